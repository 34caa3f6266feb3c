import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { hashPassword, verifyPassword } from '@ftp/plugin-api/password';
import { describe, expect, it } from 'vitest';
import { parseCliArguments, UsageError } from './cli-arguments.ts';
import { parseUsersArguments, runUsersCommand } from './users-command.ts';

describe('ftp-server users arguments', () => {
  it('is chosen by the app wherever --config stands, with the whole line handed on', () => {
    for (const argv of [
      ['users', 'list', '--config', 'ftp.json'],
      ['--config', 'ftp.json', 'users', 'list'],
      ['-c', 'ftp.json', 'users', 'add', 'bob', '--home', '/in'],
    ]) {
      expect(parseCliArguments(argv)).toEqual({ command: 'users', argv });
    }
  });

  it('reads each action with its options', () => {
    expect(parseUsersArguments(['users', 'add', 'bob', '--home', '/in', '--root', '/b', '--password-stdin', '-c', 'f.json'])).toEqual({
      configFile: 'f.json',
      request: { action: 'add', username: 'bob', homeDirectory: '/in', rootDirectory: '/b', passwordStdin: true },
    });
    expect(parseUsersArguments(['--config', 'f.json', 'users', 'passwd', 'bob'])).toEqual({
      configFile: 'f.json',
      request: { action: 'passwd', username: 'bob', passwordStdin: false },
    });
    expect(parseUsersArguments(['users', 'disable', 'bob']).request).toEqual({ action: 'disable', username: 'bob' });
    expect(parseUsersArguments(['users', 'enable', 'bob']).request).toEqual({ action: 'enable', username: 'bob' });
    expect(parseUsersArguments(['users', 'delete', 'bob']).request).toEqual({ action: 'delete', username: 'bob' });
    expect(parseUsersArguments(['users', 'list', '--json']).request).toEqual({ action: 'list', json: true });
    expect(parseUsersArguments(['users', '--help']).request).toEqual({ action: 'help' });
    expect(parseUsersArguments(['users', 'add', '--help']).request).toEqual({ action: 'help' });
  });

  it.each([
    [['users'], 'missing the action'],
    [['users', 'rename', 'bob'], 'unknown action "rename"'],
    [['users', 'add'], '"users add" needs a user name'],
    [['users', 'disable', 'bob', 'carol'], 'unexpected argument "carol"'],
    [['users', 'list', 'bob'], 'unexpected argument "bob"'],
    [['users', 'passwd', 'bob', '--home', '/x'], '--home does not apply to "users passwd"'],
    [['users', 'list', '--password-stdin'], '--password-stdin does not apply to "users list"'],
    [['users', 'add', 'bob', '--root', 'relative'], '--root must be an absolute path'],
    [['users', 'add', 'bob', '--password', 'x'], "Unknown option '--password'"],
  ])('refuses %j naming the cause', (argv, message) => {
    expect(() => parseUsersArguments(argv)).toThrow(UsageError);
    expect(() => parseUsersArguments(argv)).toThrow(message);
  });
});

describe('ftp-server users set', () => {
  it('reads limits and permission flags', () => {
    expect(
      parseUsersArguments([
        'users',
        'set',
        'bob',
        '--quota-bytes',
        '100',
        '--download-bps',
        'none',
        '--deny',
        'upload,delete',
        '--default',
        'chmod',
      ]).request,
    ).toEqual({
      action: 'set',
      username: 'bob',
      settings: {
        quota: { maxBytes: 100 },
        bandwidth: { downloadBytesPerSecond: null },
        permissions: { upload: false, delete: false, chmod: null },
      },
    });
  });

  it.each([
    [['users', 'set', 'bob'], 'needs something to change'],
    [['users', 'set', 'bob', '--quota-bytes', '1.5'], '--quota-bytes must be a whole number or "none"'],
    [['users', 'set', 'bob', '--allow', 'fly'], '--allow: unknown permission "fly"'],
    [['users', 'set', 'bob', '--allow', 'upload', '--deny', 'upload'], 'named twice'],
    [['users', 'add', 'bob', '--quota-bytes', '1'], '--quota-bytes does not apply to "users add"'],
  ])('refuses %j naming the cause', (argv, message) => {
    expect(() => parseUsersArguments(argv)).toThrow(message);
  });

  it("changes a user's limits and flags in the users file, keeping what it is not given", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ftp-users-set-'));
    try {
      const users = [
        {
          username: 'bob',
          passwordHash: await hashPassword('bob pw', { logCost: 4 }),
          quota: { maxFiles: 3 },
          permissions: { chmod: true },
        },
      ];
      await writeFile(join(directory, 'users.json'), JSON.stringify({ users }));
      await writeFile(
        join(directory, 'ftp.json'),
        JSON.stringify({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' }, storageConfig: { root: 'files' } }),
      );
      const run = async (...args: string[]) => {
        let shown = '';
        const output = new PassThrough();
        const errorOutput = new PassThrough();
        for (const stream of [output, errorOutput]) stream.setEncoding('utf8').on('data', (chunk: string) => (shown += chunk));
        const code = await runUsersCommand(['users', 'set', ...args, '--config', 'ftp.json'], {
          streams: { input: new PassThrough(), output, errorOutput },
          environment: {},
          cwd: directory,
        });
        return { code, shown };
      };
      const read = async () => JSON.parse(await readFile(join(directory, 'users.json'), 'utf8')).users[0];

      expect(await run('bob', '--quota-bytes', '1000', '--upload-bps', '512', '--deny', 'upload')).toEqual({
        code: 0,
        shown: 'changed bandwidth, permissions, quota of "bob"\n',
      });
      expect(await read()).toMatchObject({
        quota: { maxFiles: 3, maxBytes: 1000 },
        bandwidth: { uploadBytesPerSecond: 512 },
        permissions: { chmod: true, upload: false },
      });
      expect((await run('bob', '--quota-files', 'none', '--quota-bytes', 'none', '--default', 'chmod,upload')).code).toBe(0);
      const after = await read();
      expect(after.quota).toBeUndefined();
      expect(after.permissions).toBeUndefined();
      expect(after.bandwidth).toEqual({ uploadBytesPerSecond: 512 });

      const bad = await run('bob', '--upload-bps', '0');
      expect(bad.code).toBe(2);
      expect(bad.shown).toContain('bandwidth.uploadBytesPerSecond');
      const missing = await run('nobody', '--quota-bytes', '1');
      expect(missing.code).toBe(1);
      expect(missing.shown).toContain('no user "nobody"');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('ftp-server users at a terminal', () => {
  it('asks for the password twice without echo, and stores only its hash', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ftp-users-tty-'));
    try {
      await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [] }));
      await writeFile(
        join(directory, 'ftp.json'),
        JSON.stringify({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' }, storageConfig: { root: 'files' } }),
      );
      const rawModes: boolean[] = [];
      const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => rawModes.push(mode) });
      const output = new PassThrough();
      const errorOutput = new PassThrough();
      let shown = '';
      for (const stream of [output, errorOutput]) stream.setEncoding('utf8').on('data', (chunk: string) => (shown += chunk));
      const running = runUsersCommand(['users', 'add', 'dora', '--config', 'ftp.json'], {
        streams: { input, output, errorOutput },
        environment: {},
        cwd: directory,
      });
      // Typed key by key, as at a terminal in raw mode; the second line only once the first was read.
      input.write('tty secret\r');
      const asked = new Promise<string>((resolve) =>
        errorOutput.on('data', (chunk: Buffer | string) => String(chunk).includes('Repeat') && resolve('asked again')),
      );
      // Should the command end before asking again, its exit code fails the test instead of a wait.
      expect(await Promise.race([asked, running])).toBe('asked again');
      input.write('tty secret\r');
      expect(await running).toBe(0);
      expect(rawModes).toEqual([true, false, true, false]);
      expect(shown).not.toContain('tty secret');
      const [user] = JSON.parse(await readFile(join(directory, 'users.json'), 'utf8')).users;
      expect(await verifyPassword('tty secret', user.passwordHash)).toBe(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
