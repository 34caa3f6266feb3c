import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Readable } from 'node:stream';
import { spawnLogged, type LoggedProcess } from '@ftp/test-utils';
import { Client } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProject, isListeningLine, packageNamed, packPackage, run, runOrThrow, userEnvironment, workspaceRoot } from './support.ts';

// The command-line package as a new user gets it: packed, installed with plain npm outside the workspace (into a
// project for `npx @ftp/cli`, and into a global prefix for `npm i -g @ftp/cli`), started with the embedded default
// and with a config file, and logged into with an FTP client. The optional plugin packages (@ftp/storage-s3,
// @ftp/auth-http, @ftp/store-postgres) are not installed with it: a config that names one works once the user
// installs it, and says which package to install until then.

const cliPackages = ['@ftp/cli', '@ftp/server', '@ftp/plugin-api', '@ftp/protocol', '@ftp/storage-fs', '@ftp/storage-mounts', '@ftp/admin'];
const optionalPackages = ['@ftp/auth-http', '@ftp/storage-s3', '@ftp/store-postgres'];
const installTimeout = 300_000;
const cliVersion = packageNamed('@ftp/cli')!.manifest.version;

let scratch: string;
const tarballs = new Map<string, string>();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftp-cli-tarballs-'));
  await mkdir(join(scratch, 'tarballs'));
  for (const name of [...cliPackages, ...optionalPackages]) {
    tarballs.set(name, await packPackage(packageNamed(name)!, join(scratch, 'tarballs')));
  }
}, 180_000);
afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

interface RunningServer {
  readonly process: LoggedProcess;
  readonly port: number;
}

/**
 * Starts the CLI, in a process group of its own as a shell gives a command (npx does not pass signals on to the
 * server it starts), and resolves with the port of its `listening` line; rejects if it exits first.
 */
async function startCli(command: string, args: readonly string[], cwd: string, environment: NodeJS.ProcessEnv): Promise<RunningServer> {
  const started = spawnLogged(command, args, { cwd, env: environment, detached: true });
  return { process: started, port: (await started.logLine(isListeningLine)).port as number };
}

/**
 * SIGTERM to the command's process group (as Ctrl-C in a terminal reaches npx and the server alike), then waits until
 * the output pipes close, which is when the server itself has exited. Resolves with the `msg` of every log line.
 */
async function stop(server: RunningServer): Promise<unknown[]> {
  process.kill(-server.process.child.pid!, 'SIGTERM');
  await server.process.closed;
  return server.process.logLines.map((line) => line.msg);
}

/** Logs in, uploads a file and lists the directory; resolves with the names listed. */
async function uploadAndList(port: number, user: string, password: string, name: string, content: string): Promise<string[]> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user, password });
    await client.uploadFrom(Readable.from([Buffer.from(content)]), name);
    return (await client.list()).map((entry) => entry.name);
  } finally {
    client.close();
  }
}

/** `ftp-server hash-password`, reading the password from stdin as a provisioning script would. */
async function hashWith(command: string, args: readonly string[], cwd: string, password: string): Promise<string> {
  const hashing = spawnLogged(command, [...args, 'hash-password'], { cwd, env: userEnvironment(), input: `${password}\n` });
  expect(await hashing.closed).toBe(0);
  return hashing.stdout().trim();
}

describe('@ftp/cli installed with npm into an empty project, run with npx', () => {
  let project: string;

  beforeAll(async () => {
    project = join(scratch, 'consumer-cli');
    await installProject(project, ['@ftp/cli'], tarballs);
  }, installTimeout);

  it('installs the CLI and what it needs, without the optional plugin packages', async () => {
    const tree = JSON.parse(await runOrThrow('npm', ['ls', '--all', '--json'], { cwd: project })) as {
      dependencies: Record<string, { dependencies?: Record<string, unknown> }>;
    };
    expect(Object.keys(tree.dependencies)).toEqual(['@ftp/cli']);
    expect(Object.keys(tree.dependencies['@ftp/cli']?.dependencies ?? {})).toEqual(
      expect.arrayContaining(['@ftp/server', '@ftp/plugin-api', '@ftp/storage-fs']),
    );
    for (const name of optionalPackages) expect(existsSync(join(project, 'node_modules', name)), `${name} installed`).toBe(false);
  });

  it('prints its version with --version', async () => {
    const result = await run('npx', ['--no-install', '@ftp/cli', '--version'], { cwd: project, env: userEnvironment() });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${cliVersion}\n`);
  });

  it('serves ./data with the embedded default and a generated password printed at start', async () => {
    const site = join(project, 'default-site');
    await mkdir(site);
    // The embedded default listens on 2121; FTP_PORT=0 (an environment override the default honours) picks a free port.
    const server = await startCli(join(project, 'node_modules', '.bin', 'ftp-server'), [], site, userEnvironment({ FTP_PORT: '0' }));
    const password = /log in as user "ftp" with password: (\S+)\n/.exec(server.process.stderr())?.[1];
    expect(password).toBeDefined();
    expect(server.process.stderr()).toContain(`serving ${join(site, 'data')}`);
    expect(await uploadAndList(server.port, 'ftp', password!, 'hello.txt', 'from the embedded default')).toContain('hello.txt');
    expect(await readFile(join(site, 'data', 'hello.txt'), 'utf8')).toBe('from the embedded default');
    expect(await stop(server)).toContain('stopped');
    expect(server.process.child.exitCode).toBe(0);
  });

  it('ships the JSON Schema of the config file, at the path the README gives and through its exports', async () => {
    const installed = join(project, 'node_modules', '@ftp', 'cli', 'ftp-server.schema.json');
    expect(await readFile(installed, 'utf8')).toBe(readFileSync(join(workspaceRoot, 'apps', 'server', 'ftp-server.schema.json'), 'utf8'));
    const resolved = await runOrThrow(process.execPath, ['-p', `require.resolve('@ftp/cli/ftp-server.schema.json')`], {
      cwd: project,
      env: userEnvironment(),
    });
    expect(resolved.trim()).toBe(installed);
  });

  it('serves with a config file that names the shipped schema: npx @ftp/cli --config ftp.json', async () => {
    const passwordHash = await hashWith('npx', ['--no-install', '@ftp/cli'], project, 'correct horse');
    expect(passwordHash).toMatch(/^\$scrypt\$/);
    await writeFile(join(project, 'users.json'), JSON.stringify({ users: [{ username: 'alice', passwordHash }] }));
    await writeFile(
      join(project, 'ftp.json'),
      JSON.stringify({
        $schema: './node_modules/@ftp/cli/ftp-server.schema.json',
        ftpAddr: '127.0.0.1',
        ftpPort: 0,
        authenticator: 'local',
        authenticatorConfig: { usersFile: 'users.json' },
        storageConnector: 'fs',
        storageConfig: { root: './files' },
      }),
    );
    const server = await startCli('npx', ['--no-install', '@ftp/cli', '--config', 'ftp.json'], project, userEnvironment());
    expect(await uploadAndList(server.port, 'alice', 'correct horse', 'report.txt', 'from a config file')).toEqual(['report.txt']);
    expect(await readFile(join(project, 'files', 'report.txt'), 'utf8')).toBe('from a config file');
    expect(await stop(server)).toContain('stopped');
  });

  it('names the package to install when the config asks for s3 and @ftp/storage-s3 is not installed', async () => {
    await writeFile(
      join(project, 's3.json'),
      JSON.stringify({
        ftpPort: 0,
        authenticator: 'no-auth',
        storageConnector: 's3',
        storageConfig: { bucket: 'files', region: 'us-east-1' },
      }),
    );
    const result = await run('npx', ['--no-install', '@ftp/cli', '--config', 's3.json'], { cwd: project, env: userEnvironment() });
    expect(result.code).toBe(2);
    expect(result.output).toContain(
      `ftp-server: configuration error: storageConnector: "s3" needs the package @ftp/storage-s3, which is not installed: ` +
        `run "npm install @ftp/storage-s3" in ${project}`,
    );
  });

  it('names the package to install when the config names @ftp/store-postgres, to serve and to manage users', async () => {
    await writeFile(
      join(project, 'postgres.json'),
      JSON.stringify({
        ftpPort: 0,
        authenticator: '@ftp/store-postgres',
        authenticatorConfig: { connectionString: 'postgres://ftp@127.0.0.1:1/ftp' },
        storageConnector: 'fs',
        storageConfig: { root: './files' },
      }),
    );
    const hint =
      `ftp-server: configuration error: authenticator: "@ftp/store-postgres" is not installed: ` +
      `run "npm install @ftp/store-postgres" in ${project}`;
    for (const args of [
      ['--config', 'postgres.json'],
      ['users', 'list', '--config', 'postgres.json'],
    ]) {
      const result = await run('npx', ['--no-install', '@ftp/cli', ...args], { cwd: project, env: userEnvironment() });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.output).toContain(hint);
    }
  });

  it('adds a user to the users file with ftp-server users, who then logs in', async () => {
    await writeFile(join(project, 'managed-users.json'), JSON.stringify({ users: [] }));
    await writeFile(
      join(project, 'managed.json'),
      JSON.stringify({
        ftpAddr: '127.0.0.1',
        ftpPort: 0,
        authenticator: 'local',
        authenticatorConfig: { usersFile: 'managed-users.json' },
        storageConnector: 'fs',
        storageConfig: { root: './managed-files' },
      }),
    );
    const adding = spawnLogged(
      'npx',
      ['--no-install', '@ftp/cli', 'users', 'add', 'erin', '--password-stdin', '--config', 'managed.json'],
      {
        cwd: project,
        env: userEnvironment(),
        input: 'open sesame\n',
      },
    );
    expect(await adding.closed, adding.stderr()).toBe(0);
    const server = await startCli('npx', ['--no-install', '@ftp/cli', '--config', 'managed.json'], project, userEnvironment());
    expect(await uploadAndList(server.port, 'erin', 'open sesame', 'note.txt', 'from a managed user')).toEqual(['note.txt']);
    expect(await stop(server)).toContain('stopped');
  });
});

describe('@ftp/cli installed globally with npm i -g, with @ftp/auth-http beside it', () => {
  let prefix: string;
  let identity: Server;
  let identityPort: number;

  beforeAll(async () => {
    prefix = join(scratch, 'global');
    await mkdir(prefix);
    // All tarballs in one command: each stands in for the registry for the others' @ftp ranges.
    const packages = [...cliPackages, '@ftp/auth-http'].map((name) => tarballs.get(name)!);
    await runOrThrow('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...packages,
    ]);
    // An identity service for http-basic: alice / wonder land.
    identity = createServer((request, response) => {
      const expected = `Basic ${Buffer.from('alice:wonder land').toString('base64')}`;
      response.writeHead(request.headers.authorization === expected ? 200 : 401).end();
    });
    identity.listen({ host: '127.0.0.1', port: 0 });
    await once(identity, 'listening');
    identityPort = (identity.address() as { port: number }).port;
  }, installTimeout);
  afterAll(async () => {
    if (identity !== undefined) await new Promise((resolve) => identity.close(resolve));
  });

  /** The user's shell after `npm i -g`: the prefix's bin directory on PATH. */
  const globalEnvironment = () => userEnvironment({ PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH ?? ''}` });

  it('puts ftp-server on the PATH, which prints the version', async () => {
    const result = await run('ftp-server', ['--version'], { cwd: scratch, env: globalEnvironment() });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${cliVersion}\n`);
  });

  it('finds the globally installed @ftp/auth-http for an http-basic config anywhere on disk', async () => {
    const site = await mkdtemp(join(scratch, 'global-site-'));
    await writeFile(
      join(site, 'ftp.json'),
      JSON.stringify({
        ftpAddr: '127.0.0.1',
        ftpPort: 0,
        authenticator: 'http-basic',
        authenticatorConfig: { loginUrl: `http://127.0.0.1:${identityPort}/login` },
        storageConnector: 'fs',
        storageConfig: { root: './files' },
      }),
    );
    const server = await startCli('ftp-server', ['--config', 'ftp.json'], site, globalEnvironment());
    expect(await uploadAndList(server.port, 'alice', 'wonder land', 'upload.bin', 'through http-basic')).toEqual(['upload.bin']);
    expect(await readFile(join(site, 'files', 'upload.bin'), 'utf8')).toBe('through http-basic');
    expect(await stop(server)).toContain('stopped');
    expect(server.process.child.exitCode).toBe(0);
  });
});

describe('a plugin with the package.json of docs/writing-plugins.md', () => {
  let project: string;

  beforeAll(async () => {
    // The manifest exactly as the guide shows it (its @ftp/plugin-api peer range included), with a small authenticator.
    const guide = readFileSync(join(workspaceRoot, 'docs', 'writing-plugins.md'), 'utf8');
    const manifest = JSON.parse(/## 1\. The package\s+```json\n([\s\S]*?)\n```/.exec(guide)![1]!) as Record<string, unknown>;
    const plugin = join(scratch, 'docs-plugin');
    await mkdir(join(plugin, 'dist'), { recursive: true });
    await writeFile(join(plugin, 'package.json'), JSON.stringify({ ...manifest, name: 'ftp-auth-guide-example' }, null, 2));
    await writeFile(
      join(plugin, 'dist', 'index.js'),
      `export function createAuthenticator(config) {
  return {
    specificationVersion: 'v1',
    name: 'guide-example',
    async authenticate({ username, password }) {
      return username === config.user && password === config.password ? { outcome: 'accepted', user: { username } } : { outcome: 'rejected' };
    },
  };
}
`,
    );
    const packed = (await runOrThrow('npm', ['pack', '--pack-destination', join(scratch, 'tarballs')], { cwd: plugin }))
      .trim()
      .split('\n')
      .at(-1)!;
    project = join(scratch, 'consumer-guide-plugin');
    // @ftp/plugin-api as a dependency of the project, not an override (which would also replace the peer range):
    // npm refuses (ERESOLVE) a peer range that the installed @ftp/plugin-api does not satisfy.
    await installProject(project, ['@ftp/cli', '@ftp/plugin-api'], tarballs, {
      'ftp-auth-guide-example': `file:${join(scratch, 'tarballs', packed)}`,
    });
  }, installTimeout);

  it('installs next to @ftp/cli and is loaded by name from the config', async () => {
    await writeFile(
      join(project, 'ftp.json'),
      JSON.stringify({
        ftpAddr: '127.0.0.1',
        ftpPort: 0,
        authenticator: 'ftp-auth-guide-example',
        authenticatorConfig: { user: 'bob', password: 'builder' },
        storageConnector: 'fs',
        storageConfig: { root: './files' },
      }),
    );
    const server = await startCli('npx', ['--no-install', '@ftp/cli', '--config', 'ftp.json'], project, userEnvironment());
    expect(await uploadAndList(server.port, 'bob', 'builder', 'plan.txt', 'through the guide plugin')).toEqual(['plan.txt']);
    expect(await stop(server)).toContain('stopped');
  });
});
