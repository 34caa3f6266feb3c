import { describe, expect, it, onTestFinished } from 'vitest';
import { recordingLogger } from '@ftp/test-utils';
import { createMemoryStorage, type MemoryStorageOptions } from '../testing/memory-storage.ts';
import { permissionsAuthenticator } from '../testing/permissions-authenticator.ts';
import { createSessionHarness, type SessionHarnessOptions } from '../testing/session-harness.ts';

const files = { '/notes.txt': 'twelve bytes', '/web/index.html': '<html>', '/web/My Page.html': 'x' };

async function loggedIn(memory: MemoryStorageOptions = {}, options: SessionHarnessOptions = {}) {
  const session = createSessionHarness({ storage: createMemoryStorage({ files, ...memory }), ...options });
  onTestFinished(() => session.close());
  await session.login();
  return session;
}

const featureLines = async (session: Awaited<ReturnType<typeof loggedIn>>) => (await session.send('FEAT'))[0]!.split('\r\n');

describe('SITE CHMOD', () => {
  it('is denied unless the user is granted chmod', async () => {
    const session = await loggedIn();
    expect(await session.send('SITE CHMOD 600 notes.txt')).toEqual(['550 Permission denied: chmod not allowed.']);
    expect(await session.send('MLST notes.txt')).toEqual([expect.stringContaining('UNIX.mode=0644;')]);
  });

  it('sets the permission bits, which MLST then shows, on a file and a directory, paths with spaces included', async () => {
    const session = await loggedIn({}, { authenticator: permissionsAuthenticator({ chmod: true }) });
    expect(await session.send('SITE CHMOD 640 notes.txt')).toEqual(['200 SITE CHMOD command successful.']);
    expect(await session.send('MLST notes.txt')).toEqual([expect.stringContaining('UNIX.mode=0640;')]);
    expect(await session.send('site chmod 0750 /web')).toEqual(['200 SITE CHMOD command successful.']);
    expect(await session.send('MLST /web')).toEqual([expect.stringContaining('UNIX.mode=0750;')]);
    expect(await session.send('SITE CHMOD 600 web/My Page.html')).toEqual(['200 SITE CHMOD command successful.']);
    expect(await session.send('MLST /web/My Page.html')).toEqual([expect.stringContaining('UNIX.mode=0600;')]);
  });

  it('refuses setuid, setgid and sticky bits, a mode that is not octal, and a missing path', async () => {
    const session = await loggedIn({}, { authenticator: permissionsAuthenticator({ chmod: true }) });
    for (const line of ['SITE CHMOD 4755 notes.txt', 'SITE CHMOD 2755 notes.txt', 'SITE CHMOD 1777 web']) {
      expect(await session.send(line), line).toEqual([
        '501 Only the permission bits 0 to 777 can be set (no setuid, setgid or sticky bit).',
      ]);
    }
    for (const line of ['SITE CHMOD 800 notes.txt', 'SITE CHMOD rwx notes.txt', 'SITE CHMOD 644', 'SITE CHMOD']) {
      expect(await session.send(line), line).toEqual(['501 Syntax: SITE CHMOD <octal mode> <pathname>']);
    }
    expect((await session.send('SITE CHMOD 644 missing.txt'))[0]).toMatch(/^550 /);
    expect(await session.send('MLST notes.txt')).toEqual([expect.stringContaining('UNIX.mode=0644;')]);
  });

  it('answers 502 where the storage has no modes, lists CHMOD in SITE HELP only where it has, and keeps SYMLINK refused', async () => {
    const session = await loggedIn({}, { authenticator: permissionsAuthenticator({ chmod: true }) });
    expect((await session.send('SITE HELP'))[0]).toContain('CHMOD <mode> <pathname>');
    expect(await session.send('SITE SYMLINK notes.txt link.txt')).toEqual(['502 Unknown SITE command.']);
    const modeless = await loggedIn({ omit: ['setMode'] }, { authenticator: permissionsAuthenticator({ chmod: true }) });
    expect(await modeless.send('SITE CHMOD 600 notes.txt')).toEqual(['502 SITE CHMOD is not supported by this storage.']);
    expect((await modeless.send('SITE HELP'))[0]).not.toContain('CHMOD');
  });

  it('answers 530 before login', async () => {
    const session = createSessionHarness({ storage: createMemoryStorage({ files }) });
    onTestFinished(() => session.close());
    expect(await session.send('SITE CHMOD 600 notes.txt')).toEqual(['530 Please login with USER and PASS.']);
  });
});

describe('AVBL', () => {
  it('gives the bytes the storage has left, for the current directory or one named', async () => {
    const session = await loggedIn({ capacityBytes: 1000 });
    const stored = 'twelve bytes'.length + '<html>'.length + 1;
    expect(await session.send('AVBL')).toEqual([`213 ${1000 - stored}`]);
    expect(await session.send('AVBL /web')).toEqual([`213 ${1000 - stored}`]);
    expect((await session.send('AVBL notes.txt'))[0]).toMatch(/^550 /);
    expect((await session.send('AVBL missing'))[0]).toMatch(/^550 /);
  });

  it('is in FEAT only after login and only where the storage knows its free space; 502 otherwise', async () => {
    const before = createSessionHarness({ storage: createMemoryStorage({ files }) });
    onTestFinished(() => before.close());
    expect((await before.send('FEAT'))[0]!.split('\r\n')).not.toContain(' AVBL');
    await before.login();
    expect((await before.send('FEAT'))[0]!.split('\r\n')).toContain(' AVBL');
    const unknowing = await loggedIn({ omit: ['freeSpace'] });
    expect(await featureLines(unknowing)).not.toContain(' AVBL');
    expect(await unknowing.send('AVBL')).toEqual(['502 AVBL is not supported by this storage.']);
  });

  it("answers the smaller of the storage's free space and what the user's byte quota leaves, as uploads use it", async () => {
    const stored = 'twelve bytes'.length + '<html>'.length + 1;
    const quota = { options: { userDefaults: { quota: { maxBytes: 100 } } } };
    const session = await loggedIn({ capacityBytes: 1000 }, quota);
    expect(await session.send('AVBL')).toEqual([`213 ${100 - stored}`]);
    expect(await session.upload('STOR more.bin', Buffer.alloc(30))).toEqual([
      '150 Ok to send data for more.bin.',
      '226 Transfer complete.',
    ]);
    expect(await session.send('AVBL /web')).toEqual([`213 ${100 - stored - 30}`]);
    const crowded = await loggedIn({ capacityBytes: 50 }, quota);
    expect(await crowded.send('AVBL')).toEqual([`213 ${50 - stored}`]);
    // Never below 0, though usage may pass the quota (files counted at login, a quota lowered since).
    const over = await loggedIn({}, { options: { userDefaults: { quota: { maxBytes: 10 } } } });
    expect(await over.send('AVBL')).toEqual(['213 0']);
  });

  it('answers what the quota leaves, and is in FEAT, where the storage does not know its free space', async () => {
    const stored = 'twelve bytes'.length + '<html>'.length + 1;
    const session = await loggedIn({ omit: ['freeSpace'] }, { options: { userDefaults: { quota: { maxBytes: 100 } } } });
    expect(await featureLines(session)).toContain(' AVBL');
    expect(await session.send('AVBL')).toEqual([`213 ${100 - stored}`]);
    expect(await session.send('AVBL web')).toEqual([`213 ${100 - stored}`]);
    expect((await session.send('AVBL notes.txt'))[0]).toMatch(/^550 /);
    expect((await session.send('AVBL missing'))[0]).toMatch(/^550 /);
    // A quota on files alone says nothing about bytes: as without a quota, 502 and no FEAT line.
    const filesOnly = await loggedIn({ omit: ['freeSpace'] }, { options: { userDefaults: { quota: { maxFiles: 5 } } } });
    expect(await featureLines(filesOnly)).not.toContain(' AVBL');
    expect(await filesOnly.send('AVBL')).toEqual(['502 AVBL is not supported by this storage.']);
  });

  it('needs the list permission', async () => {
    const session = await loggedIn({}, { authenticator: permissionsAuthenticator({ list: false }) });
    expect(await session.send('AVBL')).toEqual(['550 Permission denied: list not allowed.']);
  });
});

describe('CLNT', () => {
  it('accepts the client name before login, logs it with control characters replaced, and is in FEAT and HELP', async () => {
    const { logger, lines } = recordingLogger();
    const session = createSessionHarness({ storage: createMemoryStorage({ files }), options: { logger } });
    onTestFinished(() => session.close());
    expect(await session.send('CLNT NcFTP 3.2.6 \u0007beep')).toEqual(['200 Noted.']);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'client named itself', fields: expect.objectContaining({ client: 'NcFTP 3.2.6 ?beep' }) }),
    );
    expect(await session.send('CLNT')).toEqual(['501 Syntax: CLNT <sp> client-name']);
    expect((await session.send('FEAT'))[0]!.split('\r\n')).toContain(' CLNT');
    expect((await session.send('HELP'))[0]).toMatch(/AVBL/);
    expect((await session.send('HELP'))[0]).toMatch(/CLNT/);
  });
});
