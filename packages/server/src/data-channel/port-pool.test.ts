import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PortPool } from './port-pool.ts';

function listener(): Server {
  const server = createServer();
  server.on('error', () => {});
  onTestFinished(() => {
    server.close();
  });
  return server;
}

/** True when `port` can be bound on 127.0.0.1 right now (the probe is closed again before this resolves). */
async function isFree(port: number): Promise<boolean> {
  const probe = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(true));
  });
  if (bound) await new Promise((resolve) => probe.close(resolve));
  return bound;
}

/**
 * A port held by a listener of this test whose next port is free: the range [held, held + 1] then has exactly one
 * usable port. Other tests run in parallel and hold ephemeral ports too, so a held port whose neighbour is taken is
 * tried again with another.
 */
async function heldPortBeforeFreeOne(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const blocker = listener();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const held = (blocker.address() as { port: number }).port;
    if (held < 65535 && (await isFree(held + 1))) return held;
  }
  throw new Error('no held port with a free neighbour found');
}

describe('PortPool', () => {
  it('without a range, listens on a port of the kernel ephemeral range and frees it on close', async () => {
    const pool = new PortPool(0, 0);
    const server = listener();
    const port = await pool.listen(server, '127.0.0.1');
    expect(server.listening).toBe(true);
    expect(pool.portsInUse).toBe(1);
    const rangeText = (() => {
      try {
        return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1');
      } catch {
        return undefined;
      }
    })();
    if (rangeText !== undefined) {
      const [min, max] = rangeText.trim().split(/\s+/).map(Number);
      expect(port).toBeGreaterThanOrEqual(min!);
      expect(port).toBeLessThanOrEqual(max!);
    }
    server.close();
    await once(server, 'close');
    expect(pool.portsInUse).toBe(0);
  });

  it('without a range, hands out distinct ports to listeners open at the same time', async () => {
    const pool = new PortPool(0, 0);
    const ports = await Promise.all(Array.from({ length: 50 }, () => pool.listen(listener(), '127.0.0.1')));
    expect(new Set(ports).size).toBe(50);
    expect(pool.portsInUse).toBe(50);
  });

  it('within a range, skips a port another program holds and answers 425 when none is left', async () => {
    const taken = await heldPortBeforeFreeOne();
    const pool = new PortPool(taken, taken + 1);
    const first = listener();
    const port = await pool.listen(first, '127.0.0.1');
    expect(port).not.toBe(taken);
    const second = listener();
    await expect(pool.listen(second, '127.0.0.1')).rejects.toMatchObject({ replyCode: 425 });
  });
});
