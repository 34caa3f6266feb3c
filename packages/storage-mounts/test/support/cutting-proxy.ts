import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';

/** A TCP proxy in front of the test S3 server that can cut every connection once it has carried a number of bytes. */
export interface CuttingProxy {
  /** The proxy's address, as an S3 endpoint. */
  readonly endpoint: string;
  /** Connections are cut once this many bytes went upstream on one of them; Infinity (the default) forwards all. */
  cutAfterBytes: number;
  /** How many connections were cut. */
  readonly cuts: number;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1, port 0, forwarding to `upstream` ("http://127.0.0.1:PORT"). */
export async function startCuttingProxy(upstream: string): Promise<CuttingProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let cuts = 0;
  const proxy: CuttingProxy = {
    endpoint: '',
    cutAfterBytes: Number.POSITIVE_INFINITY,
    get cuts() {
      return cuts;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  const server = createServer((client) => {
    const server = connect({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(server);
    let upstreamBytes = 0;
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('data', (chunk: Buffer) => {
      upstreamBytes += chunk.byteLength;
      if (upstreamBytes > proxy.cutAfterBytes) {
        cuts += 1;
        end();
        return;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  return Object.assign(proxy, { endpoint: `http://127.0.0.1:${address.port}` });
}
