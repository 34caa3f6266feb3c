import { createHash } from 'node:crypto';
import { createConnection } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCountingStorage } from '../testing/counting-storage.ts';
import { createMemoryStorage, type MemoryStorageOptions } from '../testing/memory-storage.ts';
import { permissionsAuthenticator } from '../testing/permissions-authenticator.ts';
import { createSessionHarness, type SessionHarnessOptions } from '../testing/session-harness.ts';

const files = { '/hello.txt': 'hello', '/lines.txt': 'one\ntwo\n', '/dir/inside.txt': 'inside' };

async function loggedIn(options: SessionHarnessOptions & { memory?: MemoryStorageOptions } = {}) {
  const created = createSessionHarness({ storage: createMemoryStorage({ files, ...options.memory }), ...options });
  onTestFinished(() => created.close());
  await created.login();
  await created.send('TYPE I');
  return created;
}

const codes = (replies: readonly string[]) => replies.map((reply) => reply.slice(0, 3));

describe('file commands', () => {
  it('sends a file with RETR: 150, the bytes, 226, and a download event', async () => {
    const session = await loggedIn();
    const { replies, data } = await session.download('RETR hello.txt');
    expect(codes(replies)).toEqual(['150', '226']);
    expect(replies[0]).toContain('(5 bytes)');
    expect(data.toString()).toBe('hello');
    expect(session.events.find((event) => event.name === 'download')?.payload).toMatchObject({ path: '/hello.txt', bytes: 5 });
  });

  it('makes no stat for a RETR without REST when the storage reports the size it opened', async () => {
    const { connector, calls } = createCountingStorage({ files });
    const session = createSessionHarness({ storage: connector });
    onTestFinished(() => session.close());
    await session.login();
    await session.send('TYPE I');
    calls.length = 0;
    const { replies, data } = await session.download('RETR hello.txt');
    expect(replies[0]).toBe('150 Opening BINARY mode data connection for hello.txt (5 bytes).');
    expect(data.toString()).toBe('hello');
    expect(calls).toEqual(['read']);
    // REST is checked against the file before 150 (554 beyond the end), so a resume does ask stat.
    calls.length = 0;
    const resumed = await session.download('RETR hello.txt', { restartAt: 2 });
    expect(resumed.replies[0]).toContain('(3 bytes)');
    expect(resumed.data.toString()).toBe('llo');
    expect(calls).toEqual(['stat', 'read']);
  });

  it('asks stat after opening when the storage does not report the size, so the 150 still announces it', async () => {
    const { connector, calls } = createCountingStorage({ files, readReportsSize: false });
    const session = createSessionHarness({ storage: connector });
    onTestFinished(() => session.close());
    await session.login();
    await session.send('TYPE I');
    calls.length = 0;
    const { replies } = await session.download('RETR hello.txt');
    expect(replies[0]).toBe('150 Opening BINARY mode data connection for hello.txt (5 bytes).');
    expect(calls).toEqual(['read', 'stat']);
  });

  it('replies 550 when RETR targets a directory, before any 150', async () => {
    const session = await loggedIn();
    const { replies, data } = await session.download('RETR dir');
    expect(replies).toEqual(['550 Is a directory.']);
    expect(data.byteLength).toBe(0);
  });

  it('replies 550 when RETR targets a missing file', async () => {
    const session = await loggedIn();
    expect((await session.download('RETR nothing.txt')).replies).toEqual(['550 No such file or directory.']);
  });

  it('replies 425 to a transfer without PASV, EPSV, PORT or EPRT first', async () => {
    const session = await loggedIn();
    expect(await session.send('RETR hello.txt')).toEqual(['425 Use PORT, EPRT, PASV or EPSV first.']);
    expect(await session.send('STOR new.txt')).toEqual(['425 Use PORT, EPRT, PASV or EPSV first.']);
  });

  it('converts LF to CRLF on RETR in TYPE A and back on STOR', async () => {
    const session = await loggedIn();
    await session.send('TYPE A');
    const { data } = await session.download('RETR lines.txt');
    expect(data.toString()).toBe('one\r\ntwo\r\n');
    expect(codes(await session.upload('STOR crlf.txt', Buffer.from('a\r\nb\r\n')))).toEqual(['150', '226']);
    await session.send('TYPE I');
    expect((await session.download('RETR crlf.txt')).data.toString()).toBe('a\nb\n');
  });

  it('stores a file with STOR (150, 226) and emits an upload event', async () => {
    const session = await loggedIn();
    const content = Buffer.alloc(200_000, 7);
    expect(codes(await session.upload('STOR dir/new.bin', content))).toEqual(['150', '226']);
    expect((await session.download('RETR dir/new.bin')).data.equals(content)).toBe(true);
    expect(session.events.find((event) => event.name === 'upload')?.payload).toMatchObject({ path: '/dir/new.bin', bytes: 200_000 });
  });

  it('sends the 150 of an upload and every final reply at once, and keeps RETR replies together', async () => {
    const session = await loggedIn();
    const flushedBefore = session.flushedAfter.length;
    expect(codes(await session.upload('STOR sent-at-once.txt', Buffer.from('x')))).toEqual(['150', '226']);
    // The client sends nothing before the 150 arrives, and nothing before the 226: neither waits for the end of the
    // turn (the 226 used to wait until the command's code had unwound).
    expect(session.flushedAfter.slice(flushedBefore).slice(-2)).toEqual([
      '150 Ok to send data for sent-at-once.txt.',
      '226 Transfer complete.',
    ]);
    // A download needs nothing from the client after 150, so its 150 waits and leaves with the 226 in one write.
    const beforeDownload = session.flushedAfter.length;
    await session.download('RETR sent-at-once.txt');
    const flushed = session.flushedAfter.slice(beforeDownload);
    expect(flushed).not.toContain(session.transcript.at(-2));
    expect(flushed.at(-1)).toBe('226 Transfer complete.');
  });

  it('replies 550 to STOR onto a directory or into a missing directory', async () => {
    const session = await loggedIn();
    expect((await session.upload('STOR dir', Buffer.from('x')))[0]).toMatch(/^550 /);
    expect((await session.upload('STOR missing/new.txt', Buffer.from('x')))[0]).toMatch(/^550 /);
  });

  it('starts RETR at the REST offset', async () => {
    const session = await loggedIn();
    expect(await session.send('REST 2')).toEqual(['350 Restarting at 2. Send STOR or RETR.']);
    const { replies, data } = await session.download('RETR hello.txt', { restartAt: 2 });
    expect(replies[0]).toContain('(3 bytes)');
    expect(data.toString()).toBe('llo');
    expect((await session.download('RETR hello.txt')).data.toString()).toBe('hello');
  });

  it('resumes STOR at the REST offset, keeping the bytes before it', async () => {
    const session = await loggedIn();
    expect(codes(await session.upload('STOR hello.txt', Buffer.from(' world'), { restartAt: 5 }))).toEqual(['150', '226']);
    expect((await session.download('RETR hello.txt')).data.toString()).toBe('hello world');
  });

  it('replies 554 to a REST offset beyond the end of the file, for RETR and STOR', async () => {
    const session = await loggedIn();
    expect((await session.download('RETR hello.txt', { restartAt: 6 })).replies).toEqual([
      '554 Restart offset 6 is beyond the end of the file.',
    ]);
    expect(await session.upload('STOR hello.txt', Buffer.from('x'), { restartAt: 6 })).toEqual([
      '554 Restart offset 6 is beyond the end of the file.',
    ]);
    expect(await session.upload('STOR absent.txt', Buffer.from('x'), { restartAt: 1 })).toEqual([
      '554 Restart offset 1 is beyond the end of the file.',
    ]);
  });

  it('replies 501 to REST without a decimal offset', async () => {
    const session = await loggedIn();
    expect((await session.send('REST abc'))[0]).toMatch(/^501 /);
    expect((await session.send('REST -1'))[0]).toMatch(/^501 /);
  });

  it('clears the REST offset when another command follows it', async () => {
    const session = await loggedIn();
    const port = await session.passive();
    await session.send('REST 3');
    await session.send('NOOP');
    const socket = createConnection({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    expect(codes(await session.send('RETR hello.txt'))).toEqual(['150', '226']);
    await closed;
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  it('renames with RNFR (350) then RNTO (250)', async () => {
    const session = await loggedIn();
    expect(await session.send('RNFR hello.txt')).toEqual(['350 Ready for RNTO.']);
    expect(await session.send('RNTO dir/renamed.txt')).toEqual(['250 Rename successful.']);
    expect((await session.download('RETR dir/renamed.txt')).data.toString()).toBe('hello');
    expect((await session.send('SIZE hello.txt'))[0]).toMatch(/^550 /);
  });

  it('clears RNFR when another command comes between RNFR and RNTO (503)', async () => {
    const session = await loggedIn();
    await session.send('RNFR hello.txt');
    await session.send('NOOP');
    expect(await session.send('RNTO other.txt')).toEqual(['503 RNFR required first.']);
    expect(await session.send('SIZE hello.txt')).toEqual(['213 5']);
  });

  it('replies 503 to RNTO without RNFR and 550 to RNFR of a missing file', async () => {
    const session = await loggedIn();
    expect(await session.send('RNTO x')).toEqual(['503 RNFR required first.']);
    expect((await session.send('RNFR missing'))[0]).toMatch(/^550 /);
    expect(await session.send('RNTO x')).toEqual(['503 RNFR required first.']);
  });

  it('replies 553 to RNTO onto itself or into itself', async () => {
    const session = await loggedIn();
    await session.send('RNFR dir');
    expect((await session.send('RNTO dir/sub'))[0]).toMatch(/^553 /);
  });

  it('replies 502 to RNFR and APPE when the storage has no rename or append', async () => {
    const session = await loggedIn({ memory: { omit: ['rename', 'append'] } });
    expect((await session.send('RNFR hello.txt'))[0]).toMatch(/^502 /);
    expect((await session.send('APPE hello.txt'))[0]).toMatch(/^502 /);
  });

  it('deletes with DELE (250) and replies 550 to a missing file', async () => {
    const session = await loggedIn();
    expect(await session.send('DELE hello.txt')).toEqual(['250 File deleted.']);
    expect(await session.send('DELE hello.txt')).toEqual(['550 No such file or directory.']);
  });

  it('answers SIZE and MDTM with 213, and 550 for a directory', async () => {
    const session = await loggedIn();
    expect(await session.send('SIZE hello.txt')).toEqual(['213 5']);
    expect((await session.send('MDTM hello.txt'))[0]).toMatch(/^213 \d{14}(\.\d+)?$/);
    expect(await session.send('SIZE dir')).toEqual(['550 Not a regular file.']);
    expect((await session.send('MDTM dir'))[0]).toMatch(/^550 /);
  });

  it('sets the modification time with MFMT and MDTM reads it back', async () => {
    const session = await loggedIn();
    expect(await session.send('MFMT 20200102030405 hello.txt')).toEqual(['213 Modify=20200102030405; hello.txt']);
    expect(await session.send('MDTM hello.txt')).toEqual(['213 20200102030405']);
    expect((await session.send('MFMT yesterday hello.txt'))[0]).toMatch(/^501 /);
  });

  it('appends with APPE', async () => {
    const session = await loggedIn();
    expect(codes(await session.upload('APPE hello.txt', Buffer.from('!!')))).toEqual(['150', '226']);
    expect((await session.download('RETR hello.txt')).data.toString()).toBe('hello!!');
  });

  it('stores under a new unique name with STOU and announces it', async () => {
    const session = await loggedIn();
    const replies = await session.upload('STOU hello.txt', Buffer.from('unique'));
    expect(codes(replies)).toEqual(['150', '226']);
    const name = /^150 FILE: (\S+)$/.exec(replies[0] ?? '')?.[1];
    expect(name).toMatch(/^hello\.txt\.[0-9a-f]{8}$/);
    expect(replies[1]).toContain(name);
    expect((await session.download(`RETR ${name}`)).data.toString()).toBe('unique');
    expect((await session.download('RETR hello.txt')).data.toString()).toBe('hello');
  });

  it('answers ALLO with 202 and HASH with the SHA-256 of the file', async () => {
    const session = await loggedIn();
    expect((await session.send('ALLO 1000'))[0]).toMatch(/^202 /);
    const digest = createHash('sha256').update('hello').digest('hex');
    expect(await session.send('HASH hello.txt')).toEqual([`213 SHA-256 0-5 ${digest} hello.txt`]);
  });

  it('replies 550 naming the permission for download, upload, overwrite, delete and rename', async () => {
    const session = await loggedIn({
      authenticator: permissionsAuthenticator({ download: false, upload: false, delete: false, rename: false, setModifiedTime: false }),
    });
    expect((await session.download('RETR hello.txt')).replies).toEqual(['550 Permission denied: download not allowed.']);
    expect(await session.upload('STOR new.txt', Buffer.from('x'))).toEqual(['550 Permission denied: upload not allowed.']);
    expect(await session.send('DELE hello.txt')).toEqual(['550 Permission denied: delete not allowed.']);
    expect(await session.send('RNFR hello.txt')).toEqual(['550 Permission denied: rename not allowed.']);
    expect(await session.send('MFMT 20200102030405 hello.txt')).toEqual(['550 Permission denied: setModifiedTime not allowed.']);
    expect(await session.send('SIZE hello.txt')).toEqual(['213 5']);
  });

  it('replies 550 naming overwrite when STOR targets an existing file without that permission', async () => {
    const session = await loggedIn({ authenticator: permissionsAuthenticator({ overwrite: false }) });
    expect(await session.upload('STOR hello.txt', Buffer.from('x'))).toEqual(['550 Permission denied: overwrite not allowed.']);
    expect(codes(await session.upload('STOR fresh.txt', Buffer.from('x')))).toEqual(['150', '226']);
  });
});
