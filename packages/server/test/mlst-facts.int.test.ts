import { createFsStorage } from '@ftp/storage-fs';
import { describe, expect, it } from 'vitest';
import { tempDirectory, loggedInRawSession, rawTransfer, type RawSession } from '@ftp/test-utils';
import { startServer } from './support/index.ts';

// RFC 3659 §7.8: FEAT offers the MLST facts the server can write, "*" marking those it writes now. Over the local
// file system every entry has an inode and permission bits, so "unique" and "UNIX.mode" are offered and written (the
// S3 side, where they are not, is in packages/storage-s3/test/mlst-facts.int.test.ts).

/** The " MLST …" line of a FEAT reply, without its indent. */
async function mlstFeature(session: RawSession): Promise<string | undefined> {
  const reply = await session.command('FEAT');
  expect(reply.code).toBe(211);
  return reply.lines.find((line) => line.startsWith(' MLST '))?.slice(1);
}

describe('MLST facts over the file system', () => {
  it('offers unique and UNIX.mode and writes them on every MLSD and MLST line', async () => {
    const { port } = await startServer({ storage: createFsStorage({ root: await tempDirectory(), fsync: false }) });
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    expect((await rawTransfer(session, 'STOR a.txt', Buffer.from('hello'))).final?.code).toBe(226);
    expect((await session.command('MKD sub')).code).toBe(257);

    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;');
    const listing = await rawTransfer(session, 'MLSD');
    expect(listing.final?.code).toBe(226);
    const lines = listing.received
      .toString()
      .split('\r\n')
      .filter((line) => line !== '');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/;unique=[!-~]+;UNIX\.mode=0[0-7]{3,4}; (a\.txt|sub)$/);
    const mlst = await session.command('MLST a.txt');
    expect(mlst.lines[1]).toMatch(/^ type=file;size=5;.*unique=[!-~]+;UNIX\.mode=0[0-7]{3,4}; \/a\.txt$/);
    expect((await session.command('OPTS MLST type;unique;UNIX.mode;')).text).toBe('200 MLST OPTS type;unique;UNIX.mode;');
  });
});
