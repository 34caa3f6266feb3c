import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuthenticatorV1 } from '@ftp/plugin-api';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { permissionsAuthenticator } from '../testing/permissions-authenticator.ts';
import { createSessionHarness } from '../testing/session-harness.ts';

// Seeded out of order: the memory storage lists in insertion order, so only sorting puts them in order.
const files = {
  '/zeta.txt': 'z',
  '/Beta.txt': 'B',
  '/alpha.txt': 'a',
  '/.hidden.txt': 'h',
  '/notes.md': 'n',
  '/[x].txt': 'literal',
  '/docs/b.txt': 'b',
  '/docs/a.txt': 'a',
  '/docs/c.log': 'c',
};

async function loggedIn(authenticator?: AuthenticatorV1) {
  const session = createSessionHarness({
    storage: createMemoryStorage({ files }),
    ...(authenticator === undefined ? {} : { authenticator }),
  });
  onTestFinished(() => session.close());
  await session.login();
  return session;
}

const lines = (data: Buffer) =>
  data
    .toString()
    .split('\r\n')
    .filter((line) => line !== '');
const codes = (replies: readonly string[]) => replies.map((reply) => reply.slice(0, 3));

describe('NLST and LIST of a pattern', () => {
  it('lists the names the last segment matches, sorted, without hidden ones unless the pattern starts with "."', async () => {
    const session = await loggedIn();
    expect(lines((await session.download('NLST *.txt')).data)).toEqual(['Beta.txt', '[x].txt', 'alpha.txt', 'zeta.txt']);
    expect(lines((await session.download('NLST .*')).data)).toEqual(['.hidden.txt']);
    expect(lines((await session.download('NLST ?eta.txt')).data)).toEqual(['Beta.txt', 'zeta.txt']);
    expect(lines((await session.download('NLST [a-m]*')).data)).toEqual(['alpha.txt', 'docs']);
    const listed = lines((await session.download('LIST -l *.txt')).data);
    expect(listed.map((line) => line.split(' ').at(-1))).toEqual(['Beta.txt', '[x].txt', 'alpha.txt', 'zeta.txt']);
    expect(listed[0]).toMatch(/^-rw-r--r-- /);
  });

  it('gives NLST names with the directory the client wrote, as mget retrieves them', async () => {
    const session = await loggedIn();
    expect(lines((await session.download('NLST docs/*.txt')).data)).toEqual(['docs/a.txt', 'docs/b.txt']);
    expect(lines((await session.download('NLST /docs/?.*')).data)).toEqual(['/docs/a.txt', '/docs/b.txt', '/docs/c.log']);
    await session.send('CWD docs');
    expect(lines((await session.download('NLST *.log')).data)).toEqual(['c.log']);
  });

  it('lists a name that exists as itself, patterns in other segments are names, and nothing recurses', async () => {
    const session = await loggedIn();
    expect(lines((await session.download('NLST [x].txt')).data)).toEqual(['[x].txt']);
    expect(codes((await session.download('NLST d*/a.txt')).replies)).toEqual(['550']);
    expect(lines((await session.download('NLST *.log')).data)).toEqual([]);
  });

  it('sends an empty listing when nothing matches, and 550 before 150 when the directory is missing', async () => {
    const session = await loggedIn();
    const empty = await session.download('NLST *.pdf');
    expect(codes(empty.replies)).toEqual(['150', '226']);
    expect(empty.data.byteLength).toBe(0);
    expect(codes((await session.download('NLST missing/*.txt')).replies)).toEqual(['550']);
    expect(codes((await session.download('NLST notes.md/*.txt')).replies)).toEqual(['550']);
  });

  it('needs the list permission in the directory the pattern lists', async () => {
    const session = await loggedIn(permissionsAuthenticator({}, { '/docs': { list: false } }));
    expect((await session.download('NLST docs/*.txt')).replies).toEqual(['550 Permission denied: list not allowed.']);
    expect(lines((await session.download('NLST *.md')).data)).toEqual(['notes.md']);
  });
});

describe('listing order', () => {
  it('sorts LIST, NLST, MLSD and STAT by name, in byte order', async () => {
    const session = await loggedIn();
    const expected = ['.hidden.txt', 'Beta.txt', '[x].txt', 'alpha.txt', 'docs', 'notes.md', 'zeta.txt'];
    expect(lines((await session.download('NLST')).data)).toEqual(expected);
    expect(lines((await session.download('LIST')).data).map((line) => line.split(' ').at(-1))).toEqual(expected);
    expect(lines((await session.download('MLSD')).data).map((line) => line.split('; ')[1])).toEqual(expected);
    const status = (await session.send('STAT /'))[0]!.split('\r\n').slice(1, -1);
    expect(status.map((line) => line.split(' ').at(-1))).toEqual(expected);
  });
});
