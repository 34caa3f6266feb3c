import { once } from 'node:events';
import { createConnection } from 'node:net';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuthenticatorV1, PluginContext, StorageConnectorV1, StorageCallOptions } from '@ftp/plugin-api';
import { LineSplitter } from '@ftp/protocol';
import { createNoAuthAuthenticator } from '../authenticators/no-auth-authenticator.ts';
import { createCommandRegistry } from '../commands/registry.ts';
import { PortPool } from '../data-channel/port-pool.ts';
import { ServerLimits } from '../limits/server-limits.ts';
import { resolveOptions } from '../resolve-options.ts';
import type { FtpServerEvents } from '../server-events.ts';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { createSessionHarness } from '../testing/session-harness.ts';
import { createSession } from './create-session.ts';

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

type CommandEvent = FtpServerEvents['command'][0];

/**
 * A session as the server wires it, keeping its `command` events (the harness leaves them out) and its replies, fed
 * raw bytes so that several commands can arrive in one packet.
 */
function sessionWithCommandEvents(storage: StorageConnectorV1) {
  const options = resolveOptions({ authenticator: createNoAuthAuthenticator(), storage });
  const replies: string[] = [];
  const commands: CommandEvent[] = [];
  let isClosed = false;
  const session = createSession({
    io: {
      send: (text) => void replies.push(String(text).trimEnd()),
      flush: () => {},
      close: () => (isClosed = true),
      pauseInput: () => {},
      resumeInput: () => {},
      startTls: () => Promise.reject(new Error('no TLS in this test')),
      lineDone: () => {},
    },
    connection: { sessionId: 'events', remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', secure: false },
    portPool: new PortPool(0, 0),
    options,
    commands: createCommandRegistry(),
    logger: options.logger,
    tls: undefined,
    limits: new ServerLimits({ defender: { failedLoginDelayMs: 0 }, bandwidth: undefined, logger: options.logger }),
    emit: (name, ...payload) => void (name === 'command' && commands.push(payload[0] as CommandEvent)),
  });
  onTestFinished(() => session.handleClose());
  const splitter = new LineSplitter({ maxLineLength: options.maxLineLength });
  session.start();
  const feed = (lines: string) => {
    for (const item of splitter.push(Buffer.from(lines, 'utf8'))) session.receive(item);
  };
  /** Waits, a macrotask at a time and at most `turns` of them, until `done` holds. */
  const until = async (done: () => boolean, what: string, turns = 1000) => {
    for (let turn = 0; turn < turns && !done(); turn++) await nextMacrotask();
    if (!done()) throw new Error(`gave up waiting for ${what}`);
  };
  return { session, replies, commands, feed, until, isClosed: () => isClosed };
}

describe('the command event', () => {
  it('reports the reply of each command that answered beside a transfer, and the transfer its own', async () => {
    const big = Buffer.alloc(32 * 1024 * 1024, 0x61);
    const { replies, commands, feed, until, isClosed } = sessionWithCommandEvents(createMemoryStorage({ files: { '/big.bin': big } }));
    feed('USER tester\r\nPASS secret\r\nTYPE I\r\nEPSV\r\n');
    await until(() => replies.some((reply) => reply.startsWith('229')), 'the EPSV reply');
    const port = Number(/\|\|\|(\d+)\|/.exec(replies.at(-1)!)?.[1]);
    const socket = createConnection({ host: '127.0.0.1', port });
    onTestFinished(() => void socket.destroy());
    socket.on('error', () => {});
    feed('RETR big.bin\r\n');
    // The first byte arrives after 150; then stop reading so that the transfer is certainly still running.
    await once(socket, 'data');
    socket.pause();
    // ABOR and QUIT arrive together and both wait for the transfer to end, then answer one right after the other.
    feed('ABOR\r\nQUIT\r\n');
    await until(() => isClosed() && commands.some((event) => event.verb === 'ABOR'), 'ABOR and QUIT');
    expect(replies.slice(-4).map((reply) => reply.slice(0, 3))).toEqual(['150', '426', '226', '221']);
    const codeOf = (verb: string) => commands.find((event) => event.verb === verb)?.replyCode;
    expect([codeOf('PASS'), codeOf('EPSV'), codeOf('RETR'), codeOf('ABOR'), codeOf('QUIT')]).toEqual([230, 229, 426, 226, 221]);
  });
});
