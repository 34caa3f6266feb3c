import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TransferAbortedError } from '../errors/server-errors.ts';
import { ReceivedData } from './received-data.ts';

let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

/** A connected pair on 127.0.0.1: the accepted side (paused, as passive listeners hand it out) and the client. */
async function socketPair(): Promise<{ accepted: Socket; client: Socket }> {
  server = createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [Socket];
  sockets.push(accepted, client);
  return { accepted, client };
}

describe('ReceivedData', () => {
  it('yields every byte to a slow reader and ends on the client EOF', async () => {
    const { accepted, client } = await socketPair();
    let counted = 0;
    const received = new ReceivedData(accepted, new AbortController().signal, (bytes) => (counted += bytes));
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    client.end(payload);
    let total = 0;
    for await (const chunk of received) {
      total += chunk.byteLength;
      // A consumer slower than the network: the queue stays bounded by pausing the socket.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(total).toBe(payload.byteLength);
    expect(counted).toBe(payload.byteLength);
  });

  it('throws TransferAbortedError when the client resets instead of closing', async () => {
    const { accepted, client } = await socketPair();
    if (client.connecting) await once(client, 'connect');
    const received = new ReceivedData(accepted, new AbortController().signal, () => {});
    client.write('partial');
    const first = await received.next();
    expect(first.value?.byteLength).toBe(7);
    client.resetAndDestroy();
    await expect(received.next()).rejects.toBeInstanceOf(TransferAbortedError);
  });

  it('stops with the abort reason when the transfer is aborted', async () => {
    const { accepted } = await socketPair();
    const controller = new AbortController();
    const received = new ReceivedData(accepted, controller.signal, () => {});
    const pending = received.next();
    controller.abort(new Error('ABOR received'));
    await expect(pending).rejects.toThrow('ABOR received');
  });
});
