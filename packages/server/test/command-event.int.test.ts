import { describe, expect, it } from 'vitest';
import type { FtpServerEvents } from '@ftp/server';
import { eventually, loggedInRawSession, openDataConnection, pasvPort } from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { startServer } from './support/index.ts';

type CommandEvent = FtpServerEvents['command'][0];

describe('the command event', () => {
  it('reports each command with its own reply code, even when ABOR answers beside an aborted RETR', async () => {
    const { server, port } = await startServer({ storage: createMemoryStorage({ files: { '/big.bin': 'x'.repeat(8 * 1024 * 1024) } }) });
    const events: CommandEvent[] = [];
    server.on('command', (event) => events.push(event));
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    // The data socket is connected but never read: the download stalls on back-pressure until ABOR.
    const data = await openDataConnection(pasvPort(await session.command('PASV')));
    data.pause();
    expect((await session.command('RETR big.bin')).code).toBe(150);
    session.send('ABOR');
    expect((await session.read()).code).toBe(426);
    expect((await session.read()).code).toBe(226);
    const retr = await eventually(() => events.find((event) => event.verb === 'RETR'), 'the RETR command event');
    const abor = await eventually(() => events.find((event) => event.verb === 'ABOR'), 'the ABOR command event');
    expect(retr.replyCode).toBe(426);
    expect(abor.replyCode).toBe(226);
    expect(events.find((event) => event.verb === 'PASV')?.replyCode).toBe(227);
    expect(events.some((event) => event.verb === 'PASS' && event.argument !== undefined)).toBe(false);
  });
});
