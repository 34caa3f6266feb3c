import type { AuthenticatedUser, AuthenticatorV1 } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { loggedInRawSession, rawTransfer, startServer, type RawReply, type RawSession } from './support/index.ts';

// Hardening issue: ways around a permission or a quota that each command alone enforced (a rename onto a protected
// file, a rename out of an unreadable directory, parallel uploads past maxFiles), and the MLSx "perm" fact telling
// the user what the permission checks will really allow. Everything over real sockets on 127.0.0.1.

/** Accepts password "pw" for every user in `profiles`, returning that profile. */
function profileAuthenticator(profiles: Record<string, Omit<AuthenticatedUser, 'username'>>): AuthenticatorV1 {
  return {
    specificationVersion: 'v1',
    name: 'profiles',
    async authenticate(request) {
      const profile = profiles[request.username];
      if (profile === undefined || request.password !== 'pw') return { outcome: 'rejected' };
      return { outcome: 'accepted', user: { username: request.username, ...profile } };
    },
  };
}

async function login(port: number, user: string): Promise<RawSession> {
  const session = await loggedInRawSession(port, user, 'pw');
  expect((await session.command('TYPE I')).code).toBe(200);
  return session;
}

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
    const keeper = await login(port, 'keeper');
    const refused = await rename(keeper, '/new.txt', '/protected.txt');
    expect(refused.code).toBe(550);
    expect(refused.text).toContain('overwrite not allowed');
    expect(await download(keeper, '/protected.txt')).toMatchObject({ code: 226, content: 'protected' });
    expect(await download(keeper, '/new.txt')).toMatchObject({ code: 226, content: 'new' });
    // Moving to a free name replaces nothing: rename alone is enough.
    expect((await rename(keeper, '/new.txt', '/fresh.txt')).code).toBe(250);
    // With overwrite (and still without delete) the same rename replaces the file.
    const owner = await login(port, 'owner');
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
    const session = await login(port, 'mallory');
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
    const lines = result.received.toString('utf8').split('\r\n').filter((line) => line !== '');
    return new Map(lines.map((line) => [facts(line).name, facts(line).perm]));
  }

  async function mlst(session: RawSession, path: string): Promise<string | undefined> {
    const reply = await session.command(`MLST ${path}`);
    expect(reply.code).toBe(250);
    return facts(reply.lines[1]!.slice(1)).perm;
  }

  it('derives each letter from what this user may do there: no w, a or c where upload is denied', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({ files: { '/readonly/a.txt': 'a', '/readonly/sub/.keep': '', '/open/b.txt': 'b', '/open/sub/.keep': '' } }),
      authenticator: profileAuthenticator({
        frank: { directoryPermissions: { '/readonly': { upload: false } } },
      }),
    });
    const session = await login(port, 'frank');
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
    const session = await login(port, 'grace');
    const root = await mlsd(session, '/');
    expect(root.get('tree')).toBe('elcmd');
    expect(root.get('plain')).toBe('elcmdf');
  });
});
