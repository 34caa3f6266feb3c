import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';

/** Most ports tried for one PASV before answering 425; bounds the work when the range is crowded by other programs. */
const maximumAttempts = 64;

/** Random ports tried in the kernel's ephemeral range before leaving the choice to the kernel. */
const randomAttempts = 8;

/**
 * The kernel's ephemeral port range (Linux), where a listener without a configured range picks its port. Read once;
 * undefined where there is no such file, and the kernel then picks the port (bind to port 0).
 */
function ephemeralRange(): { readonly min: number; readonly max: number } | undefined {
  try {
    const [min, max] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/).map(Number);
    if (min === undefined || max === undefined || !(min >= 1024 && max <= 65535 && min < max)) return undefined;
    return { min, max };
  } catch {
    return undefined;
  }
}

let systemRange: ReturnType<typeof ephemeralRange> | null = null;

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
   * Whether a session may keep its passive port between transfers: always in the kernel's ephemeral range (tens of
   * thousands of ports), in a configured range only while at most half of it is held.
   */
  hasRoomToKeep(): boolean {
    if (this.#minPort === 0) return true;
    return this.#inUse.size * 2 <= this.#maxPort - this.#minPort + 1;
  }

  /**
   * Starts `server` listening on a free port of the range. Throws a 425 `ReplyError` when none is free: its text is
   * shown, so the client (and the operator reading its log) learns that the range is exhausted, not just "can't open".
   */
  async listen(server: Server, host: string): Promise<number> {
    if (this.#minPort === 0) return this.#listenAnywhere(server, host);
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

  /**
   * No range configured: a random port of the ephemeral range, then the kernel's choice. Binding port 0 makes Linux
   * search the range for a port without any socket, and every data connection the server closed first (each download:
   * RFC 959 marks its end by closing) leaves one in TIME_WAIT for a minute, so with many of them that search costs far
   * more than a random port, where our listener may share a port with TIME_WAIT sockets (SO_REUSEADDR); a port taken by
   * a live socket fails with EADDRINUSE and the next is tried.
   */
  async #listenAnywhere(server: Server, host: string): Promise<number> {
    if (systemRange === null) systemRange = ephemeralRange();
    const range = systemRange;
    if (range !== undefined) {
      for (let attempt = 0; attempt < randomAttempts; attempt++) {
        const port = range.min + Math.floor(Math.random() * (range.max - range.min + 1));
        if (this.#inUse.has(port)) continue;
        try {
          return await this.#listenOn(server, host, port);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' && (error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
        }
      }
    }
    return this.#listenOn(server, host, 0);
  }

  /**
   * One bind attempt. Plain one-shot listeners rather than `events.once` twice under `Promise.race`: that left the
   * loser's listener attached and cost two extra promises per PASV. A configured
   * port is the bound port, so only port 0 asks the kernel (getsockname) which one it chose.
   */
  #listenOn(server: Server, host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
        server.off('listening', listening);
        reject(error);
      };
      const listening = (): void => {
        server.off('error', failed);
        const bound = port !== 0 ? port : (server.address() as AddressInfo).port;
        this.#inUse.add(bound);
        server.once('close', () => this.#inUse.delete(bound));
        resolve(bound);
      };
      server.once('error', failed);
      server.once('listening', listening);
      server.listen({ host, port, exclusive: true, backlog: 4 });
    });
  }
}
