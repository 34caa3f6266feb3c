import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuthenticatorV1, PluginContext, StorageConnectorV1, StorageCallOptions } from '@ftp/plugin-api';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { createSessionHarness } from '../testing/session-harness.ts';

/** Keeps the plugin context of every login, so a test can look at its signal later. */
function capturingAuthenticator(contexts: PluginContext[]): AuthenticatorV1 {
  return {
    specificationVersion: 'v1',
    name: 'capturing',
    async authenticate(request, context) {
      contexts.push(context);
      return { outcome: 'accepted', user: { username: request.username } };
    },
  };
}

/** The memory storage, recording the options of every stat call. */
function recordingStorage(calls: StorageCallOptions[]): StorageConnectorV1 {
  const memory = createMemoryStorage();
  return {
    ...memory,
    async openSession(user, context) {
      const session = await memory.openSession(user, context);
      return Object.assign(Object.create(session) as typeof session, {
        stat: (path: string, options: StorageCallOptions) => {
          calls.push(options);
          return session.stat(path, options);
        },
      });
    },
  };
}

describe('the session lifetime signal', () => {
  it('is aborted when the session ends, for a plugin that looked at it during the session', async () => {
    const contexts: PluginContext[] = [];
    const session = createSessionHarness({ authenticator: capturingAuthenticator(contexts) });
    onTestFinished(() => session.close());
    await session.login();
    const signal = contexts[0]!.signal;
    expect(signal.aborted).toBe(false);
    await session.close();
    expect(signal.aborted).toBe(true);
  });

  it('is already aborted for a plugin that first looks at it after the session ended', async () => {
    const contexts: PluginContext[] = [];
    const session = createSessionHarness({ authenticator: capturingAuthenticator(contexts) });
    await session.login();
    await session.close();
    expect(contexts[0]!.signal.aborted).toBe(true);
  });

  it('is the one signal of the storage calls, aborted with the session', async () => {
    const calls: StorageCallOptions[] = [];
    const session = createSessionHarness({ storage: recordingStorage(calls) });
    onTestFinished(() => session.close());
    await session.login();
    await session.send('MKD /a');
    await session.send('CWD /a');
    await session.send('SIZE /a');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(calls.map((options) => options.signal)).size).toBe(1);
    expect(calls[0]!.signal.aborted).toBe(false);
    await session.close();
    expect(calls[0]!.signal.aborted).toBe(true);
  });
});
