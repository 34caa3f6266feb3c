import { describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { permissionsAuthenticator } from '../testing/permissions-authenticator.ts';
import { createSessionHarness, type SessionHarnessOptions } from '../testing/session-harness.ts';

async function loggedIn(options: SessionHarnessOptions = {}) {
  const created = createSessionHarness({
    storage: createMemoryStorage({ files: { '/docs/readme.txt': 'hello', '/docs/deep/inner.txt': 'x', '/top.txt': 'top' } }),
    ...options,
  });
  onTestFinished(() => created.close());
  await created.login();
  return created;
}

describe('directory commands', () => {
  it('replies 257 with the quoted current directory to PWD and its alias XPWD', async () => {
    const session = await loggedIn();
    expect(await session.send('PWD')).toEqual(['257 "/" is the current directory.']);
    await session.send('CWD docs');
    expect(await session.send('XPWD')).toEqual(['257 "/docs" is the current directory.']);
  });

  it('changes directory with CWD (250), relative and absolute', async () => {
    const session = await loggedIn();
    expect(await session.send('CWD docs')).toEqual(['250 Directory changed to "/docs".']);
    expect(await session.send('CWD deep')).toEqual(['250 Directory changed to "/docs/deep".']);
    expect(await session.send('XCWD /docs')).toEqual(['250 Directory changed to "/docs".']);
  });

  it('replies 550 to CWD into a missing directory or a file, and stays where it was', async () => {
    const session = await loggedIn();
    await session.send('CWD docs');
    expect(await session.send('CWD missing')).toEqual(['550 No such file or directory.']);
    expect(await session.send('CWD readme.txt')).toEqual(['550 Not a directory.']);
    expect(await session.send('PWD')).toEqual(['257 "/docs" is the current directory.']);
  });

  it('replies 501 to CWD and MKD without an argument', async () => {
    const session = await loggedIn();
    expect((await session.send('CWD'))[0]).toMatch(/^501 /);
    expect((await session.send('MKD'))[0]).toMatch(/^501 /);
  });

  it('never leaves the root: CWD .. and CDUP at / stay at /', async () => {
    const session = await loggedIn();
    expect(await session.send('CWD ../../..')).toEqual(['250 Directory changed to "/".']);
    expect(await session.send('CDUP')).toEqual(['250 Directory changed to "/".']);
  });

  it('goes to the parent with CDUP and its alias XCUP', async () => {
    const session = await loggedIn();
    await session.send('CWD /docs/deep');
    expect(await session.send('CDUP')).toEqual(['250 Directory changed to "/docs".']);
    expect(await session.send('XCUP')).toEqual(['250 Directory changed to "/".']);
  });

  it('creates a directory with MKD (257 with the absolute path) and emits mkdir', async () => {
    const session = await loggedIn();
    expect(await session.send('MKD new')).toEqual(['257 "/new" directory created.']);
    expect(await session.send('CWD new')).toEqual(['250 Directory changed to "/new".']);
    expect(await session.send('XMKD sub')).toEqual(['257 "/new/sub" directory created.']);
    expect(session.events.filter((event) => event.name === 'mkdir').map((event) => (event.payload as { path: string }).path)).toEqual([
      '/new',
      '/new/sub',
    ]);
  });

  it('doubles a quote inside the directory name in the 257 reply (RFC 959 Appendix II)', async () => {
    const session = await loggedIn();
    expect(await session.send('MKD say "hi"')).toEqual(['257 "/say ""hi""" directory created.']);
    await session.send('CWD say "hi"');
    expect(await session.send('PWD')).toEqual(['257 "/say ""hi""" is the current directory.']);
  });

  it('replies 550 to MKD of an existing directory or file, and of /', async () => {
    const session = await loggedIn();
    expect((await session.send('MKD docs'))[0]).toMatch(/^550 /);
    expect((await session.send('MKD top.txt'))[0]).toMatch(/^550 /);
    expect((await session.send('MKD /'))[0]).toMatch(/^550 /);
  });

  it('removes an empty directory with RMD (250) and refuses a non-empty one, a file and / (550)', async () => {
    const session = await loggedIn();
    await session.send('MKD empty');
    expect(await session.send('RMD empty')).toEqual(['250 Directory removed.']);
    expect(await session.send('CWD empty')).toEqual(['550 No such file or directory.']);
    expect(await session.send('RMD docs')).toEqual(['550 Directory not empty.']);
    expect((await session.send('XRMD top.txt'))[0]).toMatch(/^550 /);
    expect((await session.send('RMD /'))[0]).toMatch(/^550 /);
    expect((await session.send('RMD missing'))[0]).toMatch(/^550 /);
  });

  it('replies 550 naming the permission when makeDirectory or delete is false', async () => {
    const session = await loggedIn({ authenticator: permissionsAuthenticator({ makeDirectory: false, delete: false }) });
    expect(await session.send('MKD new')).toEqual(['550 Permission denied: makeDirectory not allowed.']);
    expect(await session.send('RMD docs/deep')).toEqual(['550 Permission denied: delete not allowed.']);
    expect(await session.send('CWD docs/deep')).toEqual(['250 Directory changed to "/docs/deep".']);
  });
});
