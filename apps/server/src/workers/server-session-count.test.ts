import { createMemorySharedState } from '@ftp/server';
import { runSharedStateConformance } from '@ftp/plugin-api/testing';
import { describe, expect, it } from 'vitest';
import { IpcSharedState } from './ipc-shared-state.ts';
import { ServerSessionCount } from './server-session-count.ts';
import { SharedStateHost } from './shared-state-host.ts';
import type { MessagePort } from './shared-state-messages.ts';

/** A worker's channel to the primary in memory: JSON messages delivered later, in order. */
function connect(host: SharedStateHost, id: string): IpcSharedState {
  const toPrimary = new Set<(message: unknown) => void>();
  const toWorker = new Set<(message: unknown) => void>();
  const end = (listeners: Set<(message: unknown) => void>, own: Set<(message: unknown) => void>): MessagePort => ({
    send(message) {
      const text = JSON.stringify(message);
      setImmediate(() => {
        for (const listener of listeners) listener(JSON.parse(text));
      });
    },
    subscribe(listener) {
      own.add(listener);
      return () => own.delete(listener);
    },
  });
  host.attach(id, end(toWorker, toPrimary));
  return new IpcSharedState(end(toPrimary, toWorker));
}

// Two workers over one store (the in-memory state stands in for a database every machine reaches).
runSharedStateConformance('a store with the primary counting connections', async () => {
  const host = new SharedStateHost();
  const store = createMemorySharedState();
  return { state: new ServerSessionCount(store, connect(host, 'one')), peer: new ServerSessionCount(store, connect(host, 'two')) };
});

describe('ServerSessionCount', () => {
  it("counts every worker's connections against the primary's maxSessions, and gives the store's slot back when refused", async () => {
    const host = new SharedStateHost({ maxSessions: 2 });
    const store = createMemorySharedState();
    const one = new ServerSessionCount(store, connect(host, 'one'));
    const two = new ServerSessionCount(store, connect(host, 'two'));
    expect(await one.acquireSession('address', '192.0.2.1', 5)).toBe('acquired');
    expect(await two.acquireSession('address', '192.0.2.2', 5)).toBe('acquired');
    expect(await two.acquireSession('address', '192.0.2.1', 5)).toBe('limit-reached');
    expect(host.sessionCount).toBe(2);
    // The refused connection took nothing in the store: 192.0.2.1 still has room for 4 more there.
    for (let slot = 0; slot < 4; slot++) expect(await store.acquireSession('address', '192.0.2.1', 5)).toBe('acquired');
    expect(await store.acquireSession('address', '192.0.2.1', 5)).toBe('limit-reached');
    await one.releaseSession('address', '192.0.2.1');
    expect(host.sessionCount).toBe(1);
    expect(await two.acquireSession('address', '192.0.2.3', 5)).toBe('acquired');
  });

  it("declares countsQuotaFolders as the store does, whatever the primary's state counts", async () => {
    const host = new SharedStateHost();
    const counting = new ServerSessionCount(createMemorySharedState(), connect(host, 'one'));
    expect(counting.countsQuotaFolders).toBe(true);
    const store = createMemorySharedState();
    // A store made before quota folders: the same calls, without the flag.
    const older = new Proxy(store, {
      get: (target, property) => (property === 'countsQuotaFolders' ? undefined : Reflect.get(target, property, target)),
    });
    expect(new ServerSessionCount(older, connect(host, 'two')).countsQuotaFolders).toBe(false);
  });

  it("a store's refusal gives the primary's slot back", async () => {
    const host = new SharedStateHost({ maxSessions: 10 });
    const store = createMemorySharedState();
    const worker = new ServerSessionCount(store, connect(host, 'one'));
    expect(await worker.acquireSession('address', '192.0.2.1', 1)).toBe('acquired');
    expect(await worker.acquireSession('address', '192.0.2.1', 1)).toBe('limit-reached');
    expect(host.sessionCount).toBe(1);
  });
});
