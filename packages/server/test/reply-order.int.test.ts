import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory, loggedInRawSession, openDataConnection, pasvPort, rawTransfer, readToEnd } from '@ftp/test-utils';
import { sha256, startServer } from './support/index.ts';

// RFC 959 §5.4 reply sequences: an error about the file comes instead of 150, never after it; 226 comes only once
// the transfer is really complete.

async function fsSession() {
  const root = await tempDirectory();
  const { port } = await startServer({ storage: createFsStorage({ root, fsync: false }) });
  const session = await loggedInRawSession(port);
  expect((await session.command('TYPE I')).code).toBe(200); // the default is ASCII (RFC 959 §3.1.1.1)
  return { root, session };
}

describe('reply order', () => {
  it('answers RETR of a missing file with 550 and no 150', async () => {
    const { session } = await fsSession();
    const result = await rawTransfer(session, 'RETR missing.bin');
    expect(result.first.code).toBe(550);
    expect(result.final).toBeUndefined();
    expect(result.received.length).toBe(0);
    // The next reply belongs to the next command: nothing else was queued after the 550.
    expect((await session.command('NOOP')).code).toBe(200);
  });

  it('drops the prepared data connection when the transfer command fails before it starts', async () => {
    const { session } = await fsSession();
    expect((await rawTransfer(session, 'RETR missing.bin')).first.code).toBe(550);
    // The PASV of the failed RETR must not serve the next transfer command (vsftpd behaves the same way).
    expect((await session.command('LIST')).code).toBe(425);
  });

  it('answers STOR into a missing directory with 550 before any 150, creating nothing', async () => {
    const { root, session } = await fsSession();
    const result = await rawTransfer(session, 'STOR no-such-dir/file.bin', Buffer.from('data'));
    expect(result.first.code).toBe(550);
    expect(result.final).toBeUndefined();
    expect(await readdir(root)).toEqual([]);
    expect((await session.command('NOOP')).code).toBe(200);
  });

  it('answers RETR of a directory with 550', async () => {
    const { root, session } = await fsSession();
    await mkdir(join(root, 'folder'));
    const result = await rawTransfer(session, 'RETR folder');
    expect(result.first.code).toBe(550);
    expect(result.final).toBeUndefined();
  });

  it('sends 226 for STOR only once the whole file is on disk', async () => {
    const { root, session } = await fsSession();
    for (const size of [1, 256 * 1024, 5 * 1024 * 1024]) {
      const content = randomBytes(size);
      const result = await rawTransfer(session, 'STOR complete.bin', content);
      // Read synchronously the moment the 226 is in hand: no later event can have finished the write.
      const onDisk = readFileSync(join(root, 'complete.bin'));
      expect(result.first.code).toBe(150);
      expect(result.final?.code).toBe(226);
      expect(onDisk.length).toBe(size);
      expect(sha256(onDisk)).toBe(sha256(content));
    }
  });

  it('sends 226 for RETR after every byte was sent', async () => {
    const { root, session } = await fsSession();
    const content = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(root, 'out.bin'), content);
    const result = await rawTransfer(session, 'RETR out.bin');
    expect(result.first.code).toBe(150);
    expect(result.final?.code).toBe(226);
    expect(sha256(result.received)).toBe(sha256(content));
  });

  it('answers a transfer command without PASV/PORT with 425', async () => {
    const { root, session } = await fsSession();
    await writeFile(join(root, 'there.txt'), 'x');
    for (const line of ['RETR there.txt', 'STOR new.txt', 'APPE there.txt', 'LIST', 'NLST', 'MLSD']) {
      expect((await session.command(line)).code, line).toBe(425);
    }
    expect(await readdir(root)).toEqual(['there.txt']);
    expect(readFileSync(join(root, 'there.txt'), 'utf8')).toBe('x');
  });

  it('uses one PASV for exactly one transfer', async () => {
    const { root, session } = await fsSession();
    await writeFile(join(root, 'there.txt'), 'abc');
    const pasv = await session.command('PASV');
    const data = await openDataConnection(pasvPort(pasv));
    const received = readToEnd(data);
    expect((await session.command('RETR there.txt')).code).toBe(150);
    expect((await received).toString()).toBe('abc');
    expect((await session.read()).code).toBe(226);
    expect((await session.command('RETR there.txt')).code).toBe(425);
  });
});
