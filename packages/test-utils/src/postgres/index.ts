import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

// A throwaway PostgreSQL server for the tests: `initdb` into a temporary directory and `pg_ctl start` on a loopback
// port, as the unprivileged user "nobody" when the tests run as root (PostgreSQL refuses to run as root). Stopped by
// the postmaster's PID. Durability is switched off: the data lives only as long as the test file.

const run = promisify(execFile);

/** The directory with initdb and pg_ctl: the newest of /usr/lib/postgresql/<version>/bin (Debian), else PATH. */
function findPostgresBin(): string | undefined {
  const debianRoot = '/usr/lib/postgresql';
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((name) => /^\d+(\.\d+)?$/.test(name))
        .sort((left, right) => Number(right) - Number(left))
    : [];
  const candidates = [...versions.map((version) => join(debianRoot, version, 'bin')), ...(process.env.PATH ?? '').split(delimiter)];
  return candidates.find((directory) => directory !== '' && existsSync(join(directory, 'initdb')) && existsSync(join(directory, 'pg_ctl')));
}

/** Where initdb and pg_ctl are, or undefined when this machine has no PostgreSQL (the tests that need it skip). */
export const postgresBin = findPostgresBin();

/** Why the PostgreSQL tests are skipped, for the test names. */
export const noPostgresReason =
  'PostgreSQL is not installed (no initdb and pg_ctl in /usr/lib/postgresql/*/bin or on PATH): apt-get install postgresql';

if (postgresBin === undefined) console.warn(`@ftp/store-postgres: integration tests skipped. ${noPostgresReason}`);

/** A running test server. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  readonly connectionString: string;
  readonly port: number;
  /** A connection string to a new empty database of this server. */
  createDatabase(): Promise<string>;
  /** Runs one statement as the superuser, on the given database (default "postgres"). */
  query(text: string, values?: unknown[], connectionString?: string): Promise<pg.QueryResult>;
  /** Fast shutdown (SIGINT to the postmaster, which ends every connection); resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

const running = new Set<number>();
// A test process that ends without its afterAll (a crash, a timeout) must not leave a server behind.
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {}
  }
});

/** Initialises and starts a server on a free loopback port. Call from beforeAll; `destroy()` it in afterAll. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin;
  if (bin === undefined) throw new Error(noPostgresReason);
  const directory = await mkdtemp(join(tmpdir(), 'ftp-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = await Promise.all([idOf('-u'), idOf('-g')]);
    await chown(directory, uid, gid);
  }
  const data = join(directory, 'data');
  // As "nobody" when root: runuser (util-linux) switches user, group and supplementary groups.
  const runAsOwner = (program: string, args: string[]) =>
    run(asRoot ? 'runuser' : join(bin, program), asRoot ? ['-u', 'nobody', '--', join(bin, program), ...args] : args, {
      cwd: directory,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
    });
  await runAsOwner('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions']);

  let port = 0;
  let pid = 0;
  const startOn = async (chosen: number) => {
    const settings = `-p ${chosen} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=16MB`;
    await runAsOwner('pg_ctl', ['-D', data, '-l', join(directory, 'log'), '-w', '-t', '60', '-o', settings, 'start']);
    pid = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    running.add(pid);
  };
  // The port is free when chosen but could be taken before the server binds it: try a few.
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort();
    try {
      await startOn(port);
      break;
    } catch (error) {
      if (attempt === 5)
        throw new Error(`PostgreSQL did not start: ${String(error)}\n${await readFile(join(directory, 'log'), 'utf8').catch(() => '')}`);
    }
  }

  const connectionStringFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let databases = 0;
  const server: TestPostgres = {
    get connectionString() {
      return connectionStringFor('postgres');
    },
    get port() {
      return port;
    },
    async query(text, values, connectionString = connectionStringFor('postgres')) {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        return await client.query(text, values);
      } finally {
        await client.end();
      }
    },
    async createDatabase() {
      databases += 1;
      const name = `test_${databases}`;
      await server.query(`CREATE DATABASE ${name}`);
      return connectionStringFor(name);
    },
    async stop() {
      if (!running.has(pid)) return;
      process.kill(pid, 'SIGINT');
      // The postmaster removes its PID file as the last step of a shutdown. Bounded: 30 s.
      for (let waited = 0; existsSync(join(data, 'postmaster.pid')); waited += 50) {
        if (waited > 30_000) throw new Error(`PostgreSQL (PID ${pid}) did not stop`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      running.delete(pid);
    },
    async start() {
      await startOn(port);
    },
    async destroy() {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return server;
}

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, 'nobody']);
  return Number(stdout.trim());
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
