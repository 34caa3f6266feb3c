import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { hashPassword, verifyPassword } from '@ftp/plugin-api/password';
import { eventually, thisMachine, writeUsersFileLock } from '@ftp/test-utils';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseCliArguments, UsageError } from './cli-arguments.ts';
import { parseUsersArguments, runUsersCommand } from './users-command.ts';

/**
 * A temporary directory, removed after the test, holding `users` in `users.json` and `ftp.json`: the `local`
 * authenticator over that file, with `config` (the storage, by default a directory "files").
 */
async function usersDirectory(
  prefix: string,
  users: readonly object[],
  config: Readonly<Record<string, unknown>> = { storageConfig: { root: 'files' } },
): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(directory, { recursive: true, force: true }));
  await writeFile(join(directory, 'users.json'), JSON.stringify({ users }));
  await writeFile(
    join(directory, 'ftp.json'),
    JSON.stringify({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' }, ...config }),
  );
  return directory;
}

/** Runs `ftp-server users ...args --config ftp.json` in `directory` with `input` on stdin: its exit code and output. */
async function runIn(directory: string, args: readonly string[], input = '') {
  let stdout = '';
  let stderr = '';
  const output = new PassThrough().setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const errorOutput = new PassThrough().setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await runUsersCommand(['users', ...args, '--config', 'ftp.json'], {
    streams: { input: new PassThrough().end(input), output, errorOutput },
    environment: {},
    cwd: directory,
  });
  return { code, stdout, stderr };
}

/** The first user of the directory's `users.json`, as written. */
async function firstUser(directory: string) {
  return JSON.parse(await readFile(join(directory, 'users.json'), 'utf8')).users[0];
}

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
    [['users', 'constructor', 'bob'], 'unknown action "constructor"'],
    [['users', '__proto__', 'bob'], 'unknown action "__proto__"'],
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
    const directory = await usersDirectory('ftp-users-set-', [
      { username: 'bob', passwordHash: await hashPassword('bob pw', { logCost: 4 }), quota: { maxFiles: 3 }, permissions: { chmod: true } },
    ]);
    const run = (...args: string[]) => runIn(directory, ['set', ...args]);
    const read = () => firstUser(directory);

    expect(await run('bob', '--quota-bytes', '1000', '--upload-bps', '512', '--deny', 'upload')).toEqual({
      code: 0,
      stdout: 'changed bandwidth, permissions, quota of "bob"\n',
      stderr: '',
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
    expect(bad.stderr).toContain('bandwidth.uploadBytesPerSecond');
    const missing = await run('nobody', '--quota-bytes', '1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no user "nobody"');
  });
});

describe('ftp-server users set of directories, home and attributes; mount and unmount', () => {
  it('reads home, root, directory permissions and the attributes file', () => {
    expect(
      parseUsersArguments([
        'users',
        'set',
        'bob',
        '--home',
        '/in/',
        '--root',
        'none',
        '--dir-deny',
        '/archive=upload,delete',
        '--dir-allow',
        '/a=b=chmod',
        '--dir-default',
        '/archive=rename',
        '--attributes-json',
        '-',
      ]).request,
    ).toEqual({
      action: 'set',
      username: 'bob',
      settings: {
        homeDirectory: '/in',
        rootDirectory: null,
        directoryPermissions: { '/archive': { upload: false, delete: false, rename: null }, '/a=b': { chmod: true } },
        attributesFrom: '-',
      },
    });
    expect(parseUsersArguments(['users', 'set', 'bob', '--attributes-json', 'none']).request).toMatchObject({
      settings: { attributesFrom: null },
    });
  });

  it('reads a mount: the connector alone, or with its options', () => {
    expect(parseUsersArguments(['users', 'mount', 'bob', '/team/', 'teams']).request).toEqual({
      action: 'mount',
      username: 'bob',
      path: '/team',
      mount: 'teams',
    });
    expect(
      parseUsersArguments([
        'users',
        'mount',
        'bob',
        '/q',
        'teams',
        '--root',
        '/red/{user}',
        '--no-cross-mount-rename',
        '--quota-folder',
        'red-{user}',
        '--quota-bytes',
        '1000',
        '--quota-files',
        '0',
      ]).request,
    ).toEqual({
      action: 'mount',
      username: 'bob',
      path: '/q',
      mount: {
        connector: 'teams',
        rootDirectory: '/red/{user}',
        crossMountRename: false,
        quota: { folder: 'red-{user}', maxBytes: 1000, maxFiles: 0 },
      },
    });
    expect(parseUsersArguments(['users', 'unmount', 'bob', '/q']).request).toEqual({ action: 'unmount', username: 'bob', path: '/q' });
  });

  it.each([
    [['users', 'set', 'bob', '--home', 'in'], '--home must be an absolute path without "." or ".."'],
    [['users', 'set', 'bob', '--home', '/in/../etc'], '(got "/in/../etc")'],
    [['users', 'add', 'bob', '--home', '/./in'], '--home must be an absolute path'],
    [['users', 'set', 'bob', '--dir-deny', '/archive'], '--dir-deny takes PATH=FLAGS'],
    [['users', 'set', 'bob', '--dir-deny', 'archive=upload'], '--dir-deny must be an absolute path'],
    [['users', 'set', 'bob', '--dir-allow', '/a=fly'], '--dir-allow: unknown permission "fly"'],
    [['users', 'set', 'bob', '--dir-allow', '/a=upload', '--dir-deny', '/a/=upload'], 'the permission "upload" of /a is named twice'],
    [['users', 'set', 'bob', '--attributes-json', ''], '--attributes-json needs a file'],
    [['users', 'set', 'bob', '--quota-folder', 'x'], '--quota-folder does not apply to "users set"'],
    [['users', 'mount', 'bob', '/team'], '"users mount" needs <name> <path> <connector> (missing <connector>)'],
    [['users', 'mount', 'bob', 'team', 'teams'], '<path> must be an absolute path'],
    [['users', 'mount', 'bob', '/a/../b', 'teams'], '<path> must be an absolute path without "." or ".."'],
    [['users', 'mount', 'bob', '/t', 'teams', 'extra'], 'unexpected argument "extra"'],
    [['users', 'mount', 'bob', '/t', 'teams', '--quota-bytes', '5'], '--quota-bytes of a mount needs --quota-folder NAME'],
    [['users', 'mount', 'bob', '/t', 'teams', '--quota-folder', 'f', '--quota-files', 'none'], '--quota-files must be a whole number'],
    [['users', 'mount', 'bob', '/t', 'teams', '--root', 'red'], '--root must be an absolute path'],
    [['users', 'mount', 'bob', '/t', 'teams', '--home', '/x'], '--home does not apply to "users mount"'],
    [['users', 'mount', 'bob', '/t', 'teams', '--cross-mount-rename'], "Unknown option '--cross-mount-rename'"],
    [['users', 'unmount', 'bob'], '"users unmount" needs <name> <path> (missing <path>)'],
    [['users', 'unmount', 'bob', '/t', '--root', '/x'], '--root does not apply to "users unmount"'],
  ])('refuses %j naming the cause', (argv, message) => {
    expect(() => parseUsersArguments(argv)).toThrow(UsageError);
    expect(() => parseUsersArguments(argv)).toThrow(message);
  });

  it("changes a user's home, directory permissions, attributes and mounts in the users file, keeping the rest", async () => {
    const users = [
      {
        username: 'bob',
        passwordHash: await hashPassword('bob pw', { logCost: 4 }),
        homeDirectory: '/in',
        directoryPermissions: { '/archive/': { rename: false }, '/pub': { upload: true } },
        attributes: { tag: 'kept', mounts: { '/old': 'teams' } },
      },
    ];
    const directory = await usersDirectory('ftp-users-mounts-', users, {
      storageConnector: 'mounts',
      storageConfig: {
        connectors: { home: { storageConnector: 'fs', storageConfig: { root: 'files' } }, teams: { storageConnector: 'fs' } },
        mounts: { '/': 'home', '/shared': { connector: 'teams', quota: { folder: 'team', maxBytes: 100 } } },
      },
    });
    const run = (args: readonly string[], input = '') => runIn(directory, args, input);
    const read = () => firstUser(directory);

    expect(
      await run(['set', 'bob', '--home', '/pub', '--dir-deny', '/archive=upload,delete', '--dir-default', '/pub=upload']),
    ).toMatchObject({ code: 0, stdout: 'changed directoryPermissions, homeDirectory of "bob"\n' });
    expect(await read()).toMatchObject({
      homeDirectory: '/pub',
      directoryPermissions: { '/archive': { rename: false, upload: false, delete: false } },
      attributes: { tag: 'kept', mounts: { '/old': 'teams' } },
    });
    expect((await read()).directoryPermissions).not.toHaveProperty('/pub');

    // A mount is added to those the user has, the other attributes stay as they were.
    expect(await run(['mount', 'bob', '/team', 'teams', '--root', '/red', '--no-cross-mount-rename'])).toMatchObject({
      code: 0,
      stdout: 'mounted "teams" at /team for "bob"\n',
      stderr: '',
    });
    expect((await read()).attributes).toEqual({
      tag: 'kept',
      mounts: { '/old': 'teams', '/team': { connector: 'teams', rootDirectory: '/red', crossMountRename: false } },
    });
    expect((await run(['mount', 'bob', '/team/', 'home'])).code).toBe(0);
    expect((await read()).attributes.mounts).toEqual({ '/old': 'teams', '/team': 'home' });
    expect(await run(['unmount', 'bob', '/old'])).toMatchObject({ code: 0, stdout: 'removed the mount at /old of "bob"\n' });
    expect((await read()).attributes).toEqual({ tag: 'kept', mounts: { '/team': 'home' } });

    const table = await run(['list']);
    expect(table.stdout).toBe('USER  STATE    HOME  ROOT  MOUNTS\nbob   enabled  /pub  -     /team=home\n');
    const listed = JSON.parse((await run(['list', '--json'])).stdout);
    expect(listed[0].attributes).toEqual({ tag: 'kept', mounts: { '/team': 'home' } });
    // The store's revision is its token for conditional writes, not a fact of the user to list.
    expect(listed[0]).not.toHaveProperty('revision');

    // What the mounts storage would refuse at login is refused here, naming the cause, and nothing is written.
    const before = await readFile(join(directory, 'users.json'), 'utf8');
    const unknownConnector = await run(['mount', 'bob', '/x', 'archive']);
    expect(unknownConnector.code).toBe(2);
    expect(unknownConnector.stderr).toContain(
      'the connector "archive" is not in the config\'s storageConfig.connectors (known: home, teams)',
    );
    const otherLimits = await run(['mount', 'bob', '/x', 'teams', '--quota-folder', 'team', '--quota-bytes', '5']);
    expect(otherLimits.code).toBe(2);
    expect(otherLimits.stderr).toContain('the quota folder "team" has other limits in the config\'s mount /shared (maxBytes 100)');
    const noMount = await run(['unmount', 'bob', '/nowhere']);
    expect(noMount).toMatchObject({ code: 1, stderr: 'ftp-server: user "bob" has no mount at /nowhere\n' });
    const noUser = await run(['mount', 'nobody', '/x', 'teams']);
    expect(noUser).toMatchObject({ code: 1, stderr: 'ftp-server: no user "nobody"\n' });
    for (const [input, message] of [
      ['[1]', 'stdin must hold a JSON object (such as {"mounts": {}}), not an array'],
      ['"x"', 'not a string'],
      ['{"mounts": ', 'stdin is not JSON'],
      ['{"mounts": {"/x": {"connector": "teams", "rootDir": "/a"}}}', 'attributes.mounts./x.rootDir: unknown key'],
      ['{"mounts": {"x": "teams"}}', 'attributes.mounts.x: the path must be absolute'],
      [
        '{"mounts": {"/x": {"connector": "teams", "quota": {"folder": ""}}}}',
        'attributes.mounts./x.quota.folder: must be a non-empty string',
      ],
      ['{"mounts": ["teams"]}', 'attributes.mounts must be an object'],
    ]) {
      const refused = await run(['set', 'bob', '--attributes-json', '-'], input);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    const missingFile = await run(['set', 'bob', '--attributes-json', 'missing.json']);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('--attributes-json: cannot read missing.json');
    expect(await readFile(join(directory, 'users.json'), 'utf8')).toBe(before);

    // The whole attributes object, from a file relative to the working directory, then removed.
    await writeFile(join(directory, 'attributes.json'), JSON.stringify({ prefix: 'b/', mounts: { '/t': { connector: 'teams' } } }));
    expect(await run(['set', 'bob', '--attributes-json', 'attributes.json', '--home', 'none'])).toMatchObject({
      code: 0,
      stdout: 'changed attributes, homeDirectory of "bob"\n',
    });
    const replaced = await read();
    expect(replaced.attributes).toEqual({ prefix: 'b/', mounts: { '/t': { connector: 'teams' } } });
    expect(replaced.homeDirectory).toBeUndefined();
    expect((await run(['unmount', 'bob', '/t'])).code).toBe(0);
    expect((await read()).attributes).toEqual({ prefix: 'b/' });
    // A mount the record keys otherwise ("/n/") is the same mount: `unmount /n` removes it, `mount /n` replaces it.
    const keyedOtherwise = JSON.stringify({ prefix: 'b/', mounts: { '/n/': 'home' } });
    expect((await run(['set', 'bob', '--attributes-json', '-'], keyedOtherwise)).code).toBe(0);
    expect((await run(['unmount', 'bob', '/n'])).code).toBe(0);
    expect((await read()).attributes).toEqual({ prefix: 'b/' });
    expect((await run(['set', 'bob', '--attributes-json', '-'], keyedOtherwise)).code).toBe(0);
    expect((await run(['mount', 'bob', '/n', 'teams'])).code).toBe(0);
    expect((await read()).attributes).toEqual({ prefix: 'b/', mounts: { '/n': 'teams' } });
    expect((await run(['set', 'bob', '--attributes-json', 'none', '--dir-default', '/archive=rename,upload,delete'])).code).toBe(0);
    const cleared = await read();
    expect(cleared.attributes).toBeUndefined();
    expect(cleared.directoryPermissions).toBeUndefined();
    expect(cleared.passwordHash).toBe(users[0]!.passwordHash);
  });

  it('writes a mount with another storage, saying on stderr that it applies with the mounts storage', async () => {
    const directory = await usersDirectory('ftp-users-mounts-fs-', [
      { username: 'bob', passwordHash: await hashPassword('pw', { logCost: 4 }) },
    ]);
    const { code, stderr } = await runIn(directory, ['mount', 'bob', '/t', 'anything']);
    expect(code).toBe(0);
    expect(stderr).toBe(
      'ftp-server: note: the configured storage (fs) does not read attributes.mounts; they apply with storageConnector "mounts"\n',
    );
    expect((await firstUser(directory)).attributes).toEqual({ mounts: { '/t': 'anything' } });
  });
});

describe('ftp-server users set, mount and unmount beside other writers', () => {
  it('merges concurrent changes of one user: each command that read the user before another wrote reads it again', async () => {
    const bob = { username: 'bob', passwordHash: await hashPassword('pw', { logCost: 4 }), attributes: { tag: 'kept' } };
    const directory = await usersDirectory('ftp-users-concurrent-', [bob], {
      storageConnector: 'mounts',
      storageConfig: { connectors: { home: { storageConnector: 'fs', storageConfig: { root: 'files' } } }, mounts: { '/': 'home' } },
    });
    const usersFile = join(directory, 'users.json');
    // Each run loads its own authenticator, so each has a store object of its own, as separate processes would.
    const run = async (args: readonly string[]) => {
      const { code, stderr } = await runIn(directory, args);
      return { code, stderr };
    };

    // The users file held locked (by this live process), so that every command reads bob, then waits to write:
    // each has read the same bob once its lock preparation (users.json.lock.<token>) is there.
    const token = await writeUsersFileLock(usersFile, { pid: process.pid, host: hostname(), ...thisMachine() });
    const commands = [
      ['mount', 'bob', '/a', 'home', '--root', '/a'],
      ['mount', 'bob', '/b', 'home', '--root', '/b'],
      ['set', 'bob', '--dir-deny', '/x=upload'],
      ['set', 'bob', '--dir-deny', '/y=delete'],
    ].map((args) => run(args));
    await eventually(
      async () => (await readdir(directory)).filter((name) => /^users\.json\.lock\.[0-9a-f]{32}$/.test(name)).length === commands.length,
      'every command waiting for the users file lock',
    );
    // Released as a writer releases it: the record removed, the emptied directory is the next writer's to take.
    await rm(join(`${usersFile}.lock`, `holder-${token}.json`));

    expect(await Promise.all(commands)).toEqual(commands.map(() => ({ code: 0, stderr: '' })));
    const [stored] = JSON.parse(await readFile(usersFile, 'utf8')).users;
    expect(stored.attributes).toEqual({
      tag: 'kept',
      mounts: { '/a': { connector: 'home', rootDirectory: '/a' }, '/b': { connector: 'home', rootDirectory: '/b' } },
    });
    expect(stored.directoryPermissions).toEqual({ '/x': { upload: false }, '/y': { delete: false } });
  });
});

describe('ftp-server users at a terminal', () => {
  it('asks for the password twice without echo, and stores only its hash', async () => {
    const directory = await usersDirectory('ftp-users-tty-', []);
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
    expect(await verifyPassword('tty secret', (await firstUser(directory)).passwordHash)).toBe(true);
  });
});
