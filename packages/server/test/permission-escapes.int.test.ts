import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openDataConnection, pasvPort, rawTransfer, readToEnd, type RawReply, type RawSession } from '@ftp/test-utils';
import { loginAs, profileAuthenticator } from './support/profiles.ts';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { startServer } from './support/index.ts';

// Ways around a permission or a quota that each command alone enforced (a rename onto a protected
// file, a rename out of an unreadable directory, parallel uploads past maxFiles), and the MLSx "perm" fact telling
// the user what the permission checks will really allow. Everything over real sockets on 127.0.0.1.

/** RNFR then RNTO; the reply to RNTO (or to RNFR when that one refused). */
async function rename(session: RawSession, from: string, to: string): Promise<RawReply> {
  const pending = await session.command(`RNFR ${from}`);
  if (pending.code !== 350) return pending;
  return session.command(`RNTO ${to}`);
}

async function download(session: RawSession, path: string): Promise<{ code: number; text: string; content: string }> {
  const result = await rawTransfer(session, `RETR ${path}`);
  const reply = result.final ?? result.first;
  return { code: reply.code, text: reply.text, content: result.received.toString() };
}

describe('renaming onto an existing file', () => {
  it('needs the overwrite permission there, as STOR over it does; a new name needs only rename', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({ files: { '/new.txt': 'new', '/protected.txt': 'protected', '/other.txt': 'other' } }),
      authenticator: profileAuthenticator({
        keeper: { permissions: { overwrite: false, delete: false, rename: true } },
        owner: { permissions: { delete: false } },
      }),
    });
    const keeper = await loginAs(port, 'keeper');
    const refused = await rename(keeper, '/new.txt', '/protected.txt');
    expect(refused.code).toBe(550);
    expect(refused.text).toContain('overwrite not allowed');
    expect(await download(keeper, '/protected.txt')).toMatchObject({ code: 226, content: 'protected' });
    expect(await download(keeper, '/new.txt')).toMatchObject({ code: 226, content: 'new' });
    // Moving to a free name replaces nothing: rename alone is enough.
    expect((await rename(keeper, '/new.txt', '/fresh.txt')).code).toBe(250);
    // With overwrite (and still without delete) the same rename replaces the file.
    const owner = await loginAs(port, 'owner');
    expect((await rename(owner, '/other.txt', '/protected.txt')).code).toBe(250);
    expect(await download(owner, '/protected.txt')).toMatchObject({ code: 226, content: 'other' });
  });
});

describe('moving an entry out of a directory', () => {
  it('needs the download permission the entry has where it is, unless it stays unreadable where it goes', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({
        files: { '/secret/plan.txt': 'plan', '/secret/inner/deep.txt': 'deep', '/dropbox/.keep': '', '/tree/hidden/x.txt': 'x' },
      }),
      authenticator: profileAuthenticator({
        mallory: {
          directoryPermissions: { '/secret': { download: false }, '/dropbox': { download: false }, '/tree/hidden': { download: false } },
        },
      }),
    });
    const session = await loginAs(port, 'mallory');
    expect((await download(session, '/secret/plan.txt')).text).toContain('download not allowed');

    const escaped = await rename(session, '/secret/plan.txt', '/plan.txt');
    expect(escaped.code).toBe(550);
    expect(escaped.text).toContain('download not allowed');
    expect((await download(session, '/plan.txt')).code).toBe(550);
    // A directory moved out would carry its files with it.
    expect((await rename(session, '/secret/inner', '/inner')).text).toContain('download not allowed');
    expect((await download(session, '/inner/deep.txt')).code).toBe(550);
    // Renaming above a restricted directory would move it away from the path its restriction names.
    const moved = await rename(session, '/tree', '/open');
    expect(moved.code).toBe(550);
    expect(moved.text).toContain('rename not allowed');
    expect((await download(session, '/open/hidden/x.txt')).code).toBe(550);

    // Within the directory, or into another one the user cannot read either, the file stays unreadable: allowed.
    expect((await rename(session, '/secret/plan.txt', '/secret/plan-v2.txt')).code).toBe(250);
    expect((await rename(session, '/secret/plan-v2.txt', '/dropbox/plan.txt')).code).toBe(250);
    expect((await download(session, '/dropbox/plan.txt')).text).toContain('download not allowed');
  });

  it('needs the list permission the entry has where it is, so an unlisted directory cannot be listed elsewhere', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({ files: { '/unlisted/names.txt': 'n' } }),
      authenticator: profileAuthenticator({ mallory: { directoryPermissions: { '/unlisted': { list: false } } } }),
    });
    const session = await loginAs(port, 'mallory');
    const moved = await rename(session, '/unlisted', '/listed');
    expect(moved.code).toBe(550);
    expect(moved.text).toContain('list not allowed');
    expect((await rawTransfer(session, 'NLST /listed')).first.code).toBe(550);
  });
});

describe('quota.maxFiles with parallel uploads', () => {
  /** A logged-in session with a passive data connection open, ready for one STOR. */
  async function readyToStore(port: number): Promise<{ session: RawSession; data: Socket }> {
    const session = await loginAs(port, 'erin');
    const data = await openDataConnection(pasvPort(await session.command('PASV')));
    return { session, data };
  }

  /** The names in the user's root, from NLST. */
  async function namesInRoot(session: RawSession): Promise<string[]> {
    const listing = await rawTransfer(session, 'NLST');
    expect(listing.final?.code).toBe(226);
    return listing.received
      .toString()
      .split('\r\n')
      .filter((name) => name !== '')
      .sort();
  }

  it('stores exactly maxFiles of eight 1-byte STORs from eight sessions and refuses the others with 552', async () => {
    const { port } = await startServer({ authenticator: profileAuthenticator({ erin: { quota: { maxFiles: 3 } } }) });
    const sessions = await Promise.all(Array.from({ length: 8 }, () => readyToStore(port)));
    // Every STOR is checked before any of them sends its byte, so no upload has ended when the next one is checked.
    const firsts = await Promise.all(sessions.map(({ session }, index) => session.command(`STOR file-${index}`)));
    const started = sessions.filter((_, index) => firsts[index]!.code === 150);
    for (const [index, { data }] of sessions.entries()) {
      if (firsts[index]!.code === 150) data.end(Buffer.from('x'));
      else data.destroy();
    }
    await Promise.all(started.map(({ data }) => readToEnd(data)));
    const finals = await Promise.all(started.map(({ session }) => session.read()));

    expect(finals.map((reply) => reply.code)).toEqual([226, 226, 226]);
    const refused = firsts.filter((reply) => reply.code !== 150);
    expect(refused.map((reply) => reply.code)).toEqual([552, 552, 552, 552, 552]);
    for (const reply of refused) expect(reply.text).toContain('Exceeded storage allocation');
    const checker = sessions[0]!.session;
    expect(await namesInRoot(checker)).toHaveLength(3);
    expect((await checker.command('SITE QUOTA')).text).toContain('3 of 3 files');
    expect((await checker.command('SITE QUOTA RESCAN')).text).toContain('3 of 3 files');
  });

  it('gives the reserved file back when an upload fails, so a later one fits', async () => {
    const { port } = await startServer({ authenticator: profileAuthenticator({ erin: { quota: { maxFiles: 1 } } }) });
    const session = await loginAs(port, 'erin');
    // No PASV first: the upload fails on its data connection after the quota check reserved its file.
    expect((await session.command('STOR a')).code).toBe(425);
    expect((await rawTransfer(session, 'STOR a', Buffer.from('a'))).final?.code).toBe(226);
    const refused = await rawTransfer(session, 'STOR b', Buffer.from('b'));
    expect(refused.first.code).toBe(552);
    expect(await namesInRoot(session)).toEqual(['a']);
    expect((await session.command('SITE QUOTA')).text).toContain('1 of 1 files');
  });
});

describe('the MLST/MLSD perm fact', () => {
  /** The facts of an MLSD or MLST line by name, and the name after them. */
  function facts(line: string): { name: string; perm: string | undefined } {
    const space = line.indexOf(' ');
    const perm = /(?:^|;)perm=([a-z]*);/.exec(line.slice(0, space))?.[1];
    return { name: line.slice(space + 1), perm };
  }

  async function mlsd(session: RawSession, path: string): Promise<Map<string, string | undefined>> {
    const result = await rawTransfer(session, `MLSD ${path}`);
    expect(result.final?.code).toBe(226);
    const lines = result.received
      .toString('utf8')
      .split('\r\n')
      .filter((line) => line !== '');
    return new Map(lines.map((line) => [facts(line).name, facts(line).perm]));
  }

  async function mlst(session: RawSession, path: string): Promise<string | undefined> {
    const reply = await session.command(`MLST ${path}`);
    expect(reply.code).toBe(250);
    return facts(reply.lines[1]!.slice(1)).perm;
  }

  it('derives each letter from what this user may do there: no w, a or c where upload is denied', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({
        files: { '/readonly/a.txt': 'a', '/readonly/sub/.keep': '', '/open/b.txt': 'b', '/open/sub/.keep': '' },
      }),
      authenticator: profileAuthenticator({
        frank: { directoryPermissions: { '/readonly': { upload: false } } },
      }),
    });
    const session = await loginAs(port, 'frank');
    const readonly = await mlsd(session, '/readonly');
    expect(readonly.get('a.txt')).toBe('rdf');
    expect(readonly.get('sub')).toBe('elmdf');
    expect(await mlst(session, '/readonly/a.txt')).toBe('rdf');
    expect(await mlst(session, '/readonly')).toBe('elmdf');
    // Where upload is allowed, the same entries may be written, appended to and created in.
    const open = await mlsd(session, '/open');
    expect(open.get('b.txt')).toBe('rwadf');
    expect(open.get('sub')).toBe('elcmdf');
    // STOR over a.txt is refused as the missing "w" said.
    expect((await rawTransfer(session, 'STOR /readonly/a.txt', Buffer.from('x'))).first.text).toContain('upload not allowed');
  });

  it('leaves out "f" for a directory whose restrictions below it a rename would lose', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({ files: { '/tree/hidden/x.txt': 'x', '/plain/y.txt': 'y' } }),
      authenticator: profileAuthenticator({ grace: { directoryPermissions: { '/tree/hidden': { download: false } } } }),
    });
    const session = await loginAs(port, 'grace');
    const root = await mlsd(session, '/');
    expect(root.get('tree')).toBe('elcmd');
    expect(root.get('plain')).toBe('elcmdf');
  });
});
