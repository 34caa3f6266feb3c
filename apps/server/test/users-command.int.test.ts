import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createPostgresPool } from '@ftp/store-postgres';
import { eventually, type LoggedProcess, spawnLogged, thisMachine, writeUsersFileLock } from '@ftp/test-utils';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from '@ftp/test-utils/postgres';
import { Client, FTPError } from 'basic-ftp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, cleanEnvironment, listeningPort, runCli } from './support/cli.ts';

// `ftp-server users` run as operators run it (the built CLI, the server's config file), against a server started
// from the same config: each change is seen by the next FTP login, without a restart.

/** The app's package directory, where its devDependency @ftp/store-postgres is installed. */
const appDirectory = fileURLToPath(new URL('..', import.meta.url));

let directory: string;

beforeAll(assertCliBuilt);
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-users-command-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ftp-server users ...args`; resolves once it has exited. */
async function users(args: readonly string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  const command = runCli(['users', ...args], { cwd: options.cwd ?? directory, ...options });
  const code = await command.closed;
  return { code, stdout: command.stdout(), stderr: command.stderr() };
}

/** Logs in and resolves with the working directory, or with the reply code of a refused login. */
async function login(port: number, user: string, password: string): Promise<string | number> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user, password });
    return await client.pwd();
  } catch (error) {
    if (error instanceof FTPError) return error.code;
    throw error;
  } finally {
    client.close();
  }
}

async function writeConfig(document: Record<string, unknown>): Promise<string> {
  const file = join(directory, 'ftp.json');
  await mkdir(join(directory, 'files', 'in'), { recursive: true });
  await writeFile(
    file,
    JSON.stringify({ ftpAddr: '127.0.0.1', ftpPort: 0, storageConnector: 'fs', storageConfig: { root: './files' }, ...document }),
  );
  return file;
}

/** Runs add, passwd, disable and enable through the CLI, each followed by logins on the running server. */
async function exerciseLifecycle(config: string, server: LoggedProcess, cwd: string): Promise<void> {
  const port = await listeningPort(server);
  expect(await login(port, 'alice', 'first secret')).toBe(530);

  const added = await users(['add', 'alice', '--home', '/in', '--password-stdin', '--config', config], { input: 'first secret\n', cwd });
  expect(added).toMatchObject({ code: 0, stdout: 'added user "alice"\n' });
  expect(await login(port, 'alice', 'first secret')).toBe('/in');

  const changed = await users(['passwd', 'alice', '--password-stdin', '--config', config], { input: 'second secret', cwd });
  expect(changed.code).toBe(0);
  expect(await login(port, 'alice', 'first secret')).toBe(530);
  expect(await login(port, 'alice', 'second secret')).toBe('/in');

  expect((await users(['disable', 'alice', '--config', config], { cwd })).code).toBe(0);
  expect(await login(port, 'alice', 'second secret')).toBe(530);
  const listed = await users(['list', '--json', '--config', config], { cwd });
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toEqual([{ username: 'alice', enabled: false, homeDirectory: '/in' }]);

  expect((await users(['enable', 'alice', '--config', config], { cwd })).code).toBe(0);
  expect(await login(port, 'alice', 'second secret')).toBe('/in');

  const again = await users(['add', 'alice', '--password-stdin', '--config', config], { input: 'third secret', cwd });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('user "alice" already exists');
  const unknown = await users(['passwd', 'nobody', '--password-stdin', '--config', config], { input: 'x', cwd });
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no user "nobody"');

  for (const output of [added, changed, again, listed]) {
    expect(output.stdout + output.stderr).not.toMatch(/secret|\$scrypt\$/);
  }
  expect(server.stdout() + server.stderr()).not.toMatch(/first secret|second secret|third secret/);
}

/** The mounts storage: every user's files at "/", and a connector of team directories that user records may mount. */
const mountsStorage = {
  storageConnector: 'mounts',
  storageConfig: {
    connectors: {
      home: { storageConnector: 'fs', storageConfig: { root: './files', fsync: false } },
      teams: { storageConnector: 'fs', storageConfig: { root: './teams', fsync: false } },
    },
    mounts: { '/': 'home' },
  },
};

/** Logs in as alice and runs `use` on the session. */
async function asAlice<T>(port: number, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user: 'alice', password: 'alice secret' });
    return await use(client);
  } finally {
    client.close();
  }
}

async function downloaded(client: Client, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  await client.downloadTo(
    new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk)),
    path,
  );
  return Buffer.concat(chunks).toString();
}

/**
 * The reply to RETR of `path` that the server refuses: asked with a passive data port open that the client never
 * connects to, so the refusal is read from the control connection alone (a client's download would race the data
 * connection's close).
 */
async function refusedDownload(client: Client, path: string): Promise<number | string> {
  await client.send('PASV');
  return replyCodeOf(client.send(`RETR ${path}`));
}

async function replyCodeOf(action: Promise<unknown>): Promise<number | string> {
  return action.then(
    () => 'done',
    (error: unknown) => (error instanceof FTPError ? error.code : Promise.reject(error)),
  );
}

/**
 * With the mounts storage: `users mount`, `set` (directory permissions, home) and `unmount` through the CLI, each seen
 * by alice's next login on the running server.
 */
async function exerciseMounts(config: string, server: LoggedProcess, cwd: string): Promise<void> {
  for (const team of ['red', 'blue']) await mkdir(join(directory, 'teams', team), { recursive: true });
  await writeFile(join(directory, 'teams', 'red', 'plan.txt'), 'red plan');
  const port = await listeningPort(server);
  const run = (...args: string[]) => users([...args, '--config', config], { cwd });
  expect((await users(['add', 'alice', '--password-stdin', '--config', config], { input: 'alice secret', cwd })).code).toBe(0);
  const names = (client: Client) => client.list('/').then((entries) => entries.map((entry) => `${entry.name}:${entry.isDirectory}`).sort());
  expect(await asAlice(port, names)).toEqual(['in:true']);

  expect(await run('mount', 'alice', '/team', 'teams', '--root', '/red', '--no-cross-mount-rename')).toMatchObject({
    code: 0,
    stdout: 'mounted "teams" at /team for "alice"\n',
  });
  expect(
    await run('mount', 'alice', '/quota', 'teams', '--root', '/blue', '--quota-folder', 'blue-{user}', '--quota-bytes', '1000'),
  ).toMatchObject({
    code: 0,
  });
  await asAlice(port, async (client) => {
    expect(await names(client)).toEqual(['in:true', 'quota:true', 'team:true']);
    expect(await downloaded(client, '/team/plan.txt')).toBe('red plan');
    await client.uploadFrom(Readable.from([Buffer.from('mine')]), '/in/mine.txt');
    // --no-cross-mount-rename: a move between the mount and the rest of the tree is refused.
    expect(await replyCodeOf(client.rename('/in/mine.txt', '/team/mine.txt'))).toBe(553);
    const quota = await client.send('SITE QUOTA');
    expect(quota.message).toContain('Quota of folder blue-alice at /quota: 0 of 1000 bytes');
  });
  expect(await readFile(join(directory, 'files', 'in', 'mine.txt'), 'utf8')).toBe('mine');

  expect(await run('set', 'alice', '--dir-deny', '/team=download', '--home', '/team')).toMatchObject({ code: 0 });
  await asAlice(port, async (client) => {
    expect(await client.pwd()).toBe('/team');
    expect(await refusedDownload(client, '/team/plan.txt')).toBe(550);
  });
  const listed = await run('list', '--json');
  expect(JSON.parse(listed.stdout)).toEqual([
    {
      username: 'alice',
      enabled: true,
      homeDirectory: '/team',
      directoryPermissions: { '/team': { download: false } },
      attributes: {
        mounts: {
          '/team': { connector: 'teams', rootDirectory: '/red', crossMountRename: false },
          '/quota': { connector: 'teams', rootDirectory: '/blue', quota: { folder: 'blue-{user}', maxBytes: 1000 } },
        },
      },
    },
  ]);

  expect((await run('set', 'alice', '--home', 'none', '--dir-default', '/team=download')).code).toBe(0);
  expect(await run('unmount', 'alice', '/team')).toMatchObject({ code: 0, stdout: 'removed the mount at /team of "alice"\n' });
  await asAlice(port, async (client) => {
    expect(await client.pwd()).toBe('/');
    expect(await names(client)).toEqual(['in:true', 'quota:true']);
    expect(await refusedDownload(client, '/team/plan.txt')).toBe(550);
  });

  const unknown = await run('mount', 'alice', '/archive', 'archive');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toBe(
    'ftp-server: attributes.mounts./archive: the connector "archive" is not in the config\'s storageConfig.connectors (known: home, teams)\n',
  );
}

describe('ftp-server users with the local authenticator', () => {
  it("mounts a connector into a user's tree, changes its permissions and unmounts it, each seen by the next FTP login", async () => {
    await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [] }));
    const config = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' }, ...mountsStorage });
    const server = runCli(['--config', config]);
    await exerciseMounts(config, server, directory);
  });

  it('reports an unknown option of mount or set with exit code 2, naming the option', async () => {
    await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [] }));
    const config = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' }, ...mountsStorage });
    const unknown = await users(['mount', 'alice', '/t', 'teams', '--readonly', '--config', config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^ftp-server: Unknown option '--readonly'/);
    const misplaced = await users(['set', 'alice', '--quota-folder', 'f', '--config', config]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/^ftp-server: --quota-folder does not apply to "users set"\n/);
  });

  it('adds, changes, disables and enables a user of the users file, each applied at the next login', async () => {
    const usersFile = join(directory, 'users.json');
    await writeFile(usersFile, JSON.stringify({ users: [] }));
    const config = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' } });
    const server = runCli(['--config', config]);
    await exerciseLifecycle(config, server, directory);
    expect(await readFile(usersFile, 'utf8')).not.toContain('secret');
  });

  it('reads the config named by FTP_CONFIG, and lists as a table', async () => {
    await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [] }));
    const config = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' } });
    const env = cleanEnvironment({ FTP_CONFIG: config });
    expect((await users(['add', 'bob', '--root', '/b', '--password-stdin'], { input: 'pw', env })).code).toBe(0);
    const listed = await users(['list'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^USER +STATE +HOME +ROOT +MOUNTS\nbob +enabled +\/ +\/b +-\n$/);
  });

  it('loses no user when several commands add at once', async () => {
    await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [] }));
    const config = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' } });
    const names = ['u1', 'u2', 'u3', 'u4'];
    const results = await Promise.all(
      names.map((name) => users(['add', name, '--password-stdin', '--config', config], { input: `${name}-pw` })),
    );
    expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0]);
    const listed = JSON.parse((await users(['list', '--json', '--config', config])).stdout) as { username: string }[];
    expect(listed.map((user) => user.username)).toEqual(names);
  });

  it('fails after the lock timeout naming the holder of a lock from another host, and leaves that lock', async () => {
    // The lock is named after the file's real path, which the message gives.
    const usersFile = join(await realpath(directory), 'users.json');
    await writeFile(usersFile, JSON.stringify({ users: [] }));
    const config = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' } });
    const lockToken = await writeUsersFileLock(usersFile, { pid: 4242, host: 'elsewhere.example' });
    const result = await users(['add', 'alice', '--password-stdin', '--config', config], { input: 'pw' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ftp-server: ${usersFile}.lock is held by process 4242 on elsewhere.example since 2026-01-02T03:04:05.000Z: a lock from another host is never broken automatically; if that process is gone, delete it (rm -r ${usersFile}.lock)\n`,
    );
    expect(JSON.parse(await readFile(usersFile, 'utf8'))).toEqual({ users: [] });
    expect(await readdir(`${usersFile}.lock`)).toEqual([`holder-${lockToken}.json`]);
  });

  it('breaks a lock left on this host by a writer that is gone, and makes its change', async () => {
    await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [] }));
    const config = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' } });
    const exited = spawnLogged(process.execPath, ['-e', '']);
    expect(await exited.closed).toBe(0);
    await writeUsersFileLock(join(directory, 'users.json'), { pid: exited.child.pid, host: hostname(), ...thisMachine() });
    const result = await users(['add', 'alice', '--password-stdin', '--config', config], { input: 'pw' });
    expect(result).toMatchObject({ code: 0, stdout: 'added user "alice"\n' });
    expect((await readdir(directory)).sort()).toEqual(['files', 'ftp.json', 'users.json']);
  });

  it('exits 2 naming the cause for usage and configuration errors', async () => {
    const inline = await writeConfig({ authenticator: 'no-auth' });
    const noCapability = await users(['list', '--config', inline]);
    expect(noCapability).toMatchObject({ code: 2 });
    expect(noCapability.stderr).toBe('ftp-server: the configured authenticator (no-auth) cannot write users\n');

    const noConfig = await users(['list']);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('--config FILE or FTP_CONFIG');

    const unknownAction = await users(['rename', 'x', '--config', inline]);
    expect(unknownAction.code).toBe(2);
    expect(unknownAction.stderr).toContain('unknown action "rename"');

    const misplaced = await users(['disable', 'x', '--json', '--config', inline]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--json does not apply to "users disable"');

    await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [] }));
    const local = await writeConfig({ authenticator: 'local', authenticatorConfig: { usersFile: 'users.json' } });
    // No terminal to prompt on, and no --password-stdin: refused before anything is written.
    const noPrompt = await users(['add', 'carol', '--config', local]);
    expect(noPrompt.code).toBe(2);
    expect(noPrompt.stderr).toContain('give --password-stdin');
    const relativeHome = await users(['add', 'carol', '--home', 'in', '--password-stdin', '--config', local], { input: 'pw' });
    expect(relativeHome.code).toBe(2);
    expect(relativeHome.stderr).toContain('--home must be an absolute path');
    expect(JSON.parse(await readFile(join(directory, 'users.json'), 'utf8'))).toEqual({ users: [] });

    const help = await users(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ftp-server users add <name>');
  });
});

describe.skipIf(postgresBin === undefined)(
  `ftp-server users with @ftp/store-postgres${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`,
  () => {
    let postgres: TestPostgres;
    beforeAll(async () => {
      postgres = await startPostgres();
    }, 60_000);
    afterAll(() => postgres?.destroy(), 60_000);

    it('adds, changes, disables and enables a row of the users table, each applied at the next login', async () => {
      const connectionString = await postgres.createDatabase();
      const config = await writeConfig({ authenticator: '@ftp/store-postgres', authenticatorConfig: { connectionString } });
      // The store-postgres package is found from the working directory, as from a deployment's.
      const server = runCli(['--config', config], { cwd: appDirectory });
      await exerciseLifecycle(config, server, appDirectory);
      const rows = await postgres.query('SELECT password_hash FROM ftp.users WHERE username = $1', ['alice'], connectionString);
      expect(rows.rows[0].password_hash).toMatch(/^\$scrypt\$/);
    });

    it('mounts a connector into the tree of a user of the users table, seen by the next FTP login', async () => {
      const connectionString = await postgres.createDatabase();
      const config = await writeConfig({
        authenticator: '@ftp/store-postgres',
        authenticatorConfig: { connectionString },
        ...mountsStorage,
      });
      const server = runCli(['--config', config], { cwd: appDirectory });
      await exerciseMounts(config, server, appDirectory);
      const rows = await postgres.query('SELECT attributes FROM ftp.users WHERE username = $1', ['alice'], connectionString);
      expect(rows.rows[0].attributes).toEqual({
        mounts: { '/quota': { connector: 'teams', rootDirectory: '/blue', quota: { folder: 'blue-{user}', maxBytes: 1000 } } },
      });
    });

    it('merges two users mount of different paths run at once: both mounts are in the users table afterwards', async () => {
      const connectionString = await postgres.createDatabase();
      const config = await writeConfig({
        authenticator: '@ftp/store-postgres',
        authenticatorConfig: { connectionString },
        ...mountsStorage,
      });
      const run = (...args: string[]) => users([...args, '--config', config], { cwd: appDirectory });
      expect(
        (await users(['add', 'alice', '--password-stdin', '--config', config], { input: 'alice secret', cwd: appDirectory })).code,
      ).toBe(0);
      const pool = createPostgresPool({ connectionString });
      const holder = await pool.connect();
      try {
        // alice's row locked (unchanged) by this transaction: both commands read alice, then wait in their UPDATE.
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM ftp.users WHERE username = 'alice' FOR UPDATE`);
        const commands = [
          run('mount', 'alice', '/red', 'teams', '--root', '/red'),
          run('mount', 'alice', '/blue', 'teams', '--root', '/blue'),
        ];
        await eventually(
          async () => {
            const waiting = await pool.query(
              `SELECT count(*)::integer AS waiting FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE%'`,
            );
            return waiting.rows[0].waiting === 2;
          },
          'both commands waiting to write alice',
          60_000,
        );
        await holder.query('COMMIT');
        const finished = await Promise.all(commands);
        expect(finished.map((result) => [result.code, result.stderr])).toEqual([
          [0, ''],
          [0, ''],
        ]);
      } finally {
        holder.release();
        await pool.end();
      }
      const rows = await postgres.query('SELECT attributes FROM ftp.users WHERE username = $1', ['alice'], connectionString);
      expect(rows.rows[0].attributes).toEqual({
        mounts: { '/red': { connector: 'teams', rootDirectory: '/red' }, '/blue': { connector: 'teams', rootDirectory: '/blue' } },
      });
    }, 120_000);

    it('exits 1 naming the database when it cannot be reached', async () => {
      const config = await writeConfig({
        authenticator: '@ftp/store-postgres',
        authenticatorConfig: { connectionString: 'postgres://postgres@127.0.0.1:1/ftp', connectTimeoutMs: 1_000 },
      });
      const result = await users(['list', '--config', config], { cwd: appDirectory });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^ftp-server: .*users schema/);
    });
  },
);
