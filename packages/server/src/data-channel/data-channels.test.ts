import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@ftp/plugin-api';
import type { ServerLogger } from '../server-options.ts';
import { DataChannels, type DataChannelsOptions } from './data-channels.ts';
import { PortPool } from './port-pool.ts';

const logger: ServerLogger = { ...silentLogger, child: () => logger };

function channels(options: Partial<DataChannelsOptions> = {}): DataChannels {
  return new DataChannels({
    portPool: new PortPool(0, 0),
    localAddress: '127.0.0.1',
    controlPeer: '127.0.0.1',
    requireDataPeerMatch: true,
    timeoutMs: 2_000,
    logger,
    ...options,
  });
}

function dial(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the server side ends or resets the connection. */
function closedByServer(socket: Socket): Promise<void> {
  socket.on('error', () => {});
  socket.resume();
  return once(socket, 'close').then(() => undefined);
}

/** One transfer over the prepared passive channel: the client sends `text`, the server reads it. */
async function transfer(data: DataChannels, port: number, text: string): Promise<string> {
  const client = await dial(port);
  const { connection } = await data.open(new AbortController().signal);
  client.end(text);
  const chunks: Uint8Array[] = [];
  for await (const chunk of connection.receive(new AbortController().signal)) chunks.push(chunk);
  connection.destroy();
  client.destroy();
  return Buffer.concat(chunks).toString();
}

/**
 * Channels that made one passive transfer, with the port it used still held once a turn has passed (a listener closed
 * instead of kept would have given it back by then).
 */
async function afterOneTransfer(options: Partial<DataChannelsOptions> = {}): Promise<{ data: DataChannels; pool: PortPool; port: number }> {
  const pool = new PortPool(0, 0);
  const data = channels({ portPool: pool, ...options });
  const port = await data.preparePassive();
  expect(await transfer(data, port, 'one')).toBe('one');
  await nextTurn();
  expect(pool.portsInUse).toBe(1);
  return { data, pool, port };
}

describe('DataChannels: the passive listener kept between transfers', () => {
  it('answers the next PASV with the same port, and both transfers carry their own data', async () => {
    const { data, pool, port } = await afterOneTransfer();
    const second = await data.preparePassive();
    expect(second).toBe(port);
    expect(await transfer(data, second, 'two')).toBe('two');
    data.close();
    await nextTurn();
    expect(pool.portsInUse).toBe(0);
  });

  it('refuses a connection to the kept port while no PASV is pending, and it never becomes a data connection', async () => {
    const { data, port } = await afterOneTransfer();
    const early = await dial(port);
    await closedByServer(early);
    expect(await data.preparePassive()).toBe(port);
    expect(await transfer(data, port, 'two')).toBe('two');
    data.close();
  });

  it('still takes data connections only from the control peer after a reuse (RFC 2577)', async () => {
    const { data, port } = await afterOneTransfer();
    expect(await data.preparePassive()).toBe(port);
    const foreign = await dial(port, '127.0.0.2');
    await closedByServer(foreign);
    expect(await transfer(data, port, 'two')).toBe('two');
    data.close();
  });

  it('gives the port back when the next PASV does not come within the keep time', async () => {
    const { data, pool } = await afterOneTransfer({ keepListenerMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(pool.portsInUse).toBe(0);
    const next = await data.preparePassive();
    expect(pool.portsInUse).toBe(1);
    expect(await transfer(data, next, 'two')).toBe('two');
    data.close();
  });

  it('drops the kept listener for PORT', async () => {
    const { data, pool } = await afterOneTransfer();
    expect(data.prepareActive({ host: '127.0.0.1', port: 40_000 })).toBe(true);
    await nextTurn();
    expect(pool.portsInUse).toBe(0);
    data.close();
  });

  it('keeps no port between transfers when the configured range is more than half held', async () => {
    const probe = channels();
    const free = await probe.preparePassive();
    probe.close();
    await nextTurn();
    // A range of one port: holding it between transfers would leave none for anyone else.
    const pool = new PortPool(free, free);
    const data = channels({ portPool: pool });
    expect(await data.preparePassive()).toBe(free);
    expect(await transfer(data, free, 'one')).toBe('one');
    await nextTurn();
    expect(pool.portsInUse).toBe(0);
    data.close();
  });
});
