import { describe, expect, it } from 'vitest';
import { loggedInRawSession, rawSession, rawTransfer, type RawSession } from '@ftp/test-utils';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

// RFC 3659 §7.8: FEAT offers the MLST facts the server can write, "*" marking those it writes now. S3 objects have
// no inode and no permission bits, so over S3 the server offers neither "unique" nor "UNIX.mode" and no listing
// line carries them (the fs side of this is in packages/server/test/mlst-facts.int.test.ts).

const fixture = useS3ThroughProxy();

/** The " MLST …" line of a FEAT reply, without its indent. */
async function mlstFeature(session: RawSession): Promise<string | undefined> {
  const reply = await session.command('FEAT');
  expect(reply.code).toBe(211);
  return reply.lines.find((line) => line.startsWith(' MLST '))?.slice(1);
}

describe('MLST facts over S3', () => {
  it('offers and writes type, size, modify and perm only: no unique, no UNIX.mode', async () => {
    const { port } = await fixture.serve();
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    expect((await rawTransfer(session, 'STOR a.txt', Buffer.from('hello'))).final?.code).toBe(226);
    expect((await session.command('MKD sub')).code).toBe(257);

    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;');
    const listing = await rawTransfer(session, 'MLSD');
    expect(listing.final?.code).toBe(226);
    const lines = listing.received
      .toString()
      .split('\r\n')
      .filter((line) => line !== '');
    expect(lines.map((line) => line.slice(line.indexOf(' ') + 1)).sort()).toEqual(['a.txt', 'sub']);
    for (const line of lines) {
      expect(line).toMatch(/^type=(file|dir);/);
      expect(line).not.toMatch(/unique=|UNIX\.mode=/i);
    }
    const mlst = await session.command('MLST a.txt');
    expect(mlst.code).toBe(250);
    expect(mlst.lines[1]).toMatch(/^ type=file;size=5;modify=\d{14}(\.\d{3})?;perm=[a-z]+; \/a\.txt$/);
    // Asking for facts the storage cannot supply selects nothing more (RFC 3659 §7.9: the reply names what is on).
    expect((await session.command('OPTS MLST type;unique;UNIX.mode;')).text).toBe('200 MLST OPTS type;');
    expect(await mlstFeature(session)).toBe('MLST type*;size;modify;perm;');
  });

  it('offers before login only the facts every storage supplies', async () => {
    const { port } = await fixture.serve();
    const session = await rawSession(port);
    expect((await session.read()).code).toBe(220);
    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;');
  });
});
