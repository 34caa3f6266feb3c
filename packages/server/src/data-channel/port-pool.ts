import { once } from 'node:events';
import type { Server } from 'node:net';
import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';

/** Most ports tried for one PASV before answering 425; bounds the work when the range is crowded by other programs. */
const maximumAttempts = 64;

/**
 * The passive port range of one server, shared by all its sessions. Tracks the ports our own listeners hold, so a
 * port is handed to one listener at a time and returned the moment that listener closes.
 */
export class PortPool {
  readonly #minPort: number;
  readonly #maxPort: number;
  readonly #inUse = new Set<number>();

  /** With both bounds 0, the kernel picks any free ephemeral port. */
  constructor(minPort: number, maxPort: number) {
    this.#minPort = minPort;
    this.#maxPort = maxPort;
  }

  get portsInUse(): number {
    return this.#inUse.size;
  }

  /**
   * Starts `server` listening on a free port of the range. Throws a 425 `ReplyError` when none is free: its text is
   * shown, so the client (and the operator reading its log) learns that the range is exhausted, not just "can't open".
   */
  async listen(server: Server, host: string): Promise<number> {
    if (this.#minPort === 0) {
      return this.#listenOn(server, host, 0);
    }
    const size = this.#maxPort - this.#minPort + 1;
    // Start at a random place so concurrent sessions spread over the range instead of racing for the same port.
    const start = Math.floor(Math.random() * size);
    let attempts = 0;
    for (let index = 0; index < size && attempts < maximumAttempts; index++) {
      const port = this.#minPort + ((start + index) % size);
      if (this.#inUse.has(port)) continue;
      attempts++;
      this.#inUse.add(port);
      try {
        return await this.#listenOn(server, host, port);
      } catch (error) {
        this.#inUse.delete(port);
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
    }
    throw new ReplyError(ReplyCode.CannotOpenDataConnection, 'No passive port free, try again later.');
  }

  async #listenOn(server: Server, host: string, port: number): Promise<number> {
    server.listen({ host, port, exclusive: true, backlog: 4 });
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
    const bound = (server.address() as { port: number }).port;
    this.#inUse.add(bound);
    server.once('close', () => this.#inUse.delete(bound));
    return bound;
  }
}
