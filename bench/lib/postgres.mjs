// A throwaway PostgreSQL for the benchmark's "ours-postgres" server: initdb into a temporary directory and pg_ctl on a
// loopback port, as "nobody" when run as root (PostgreSQL refuses root). Durability off, as for the tests: the bench
// measures the round trips, not the disk.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** initdb and pg_ctl's directory (Debian's newest /usr/lib/postgresql/<version>/bin), or undefined. */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((left, right) => Number(right) - Number(left));
  return versions.map((version) => join(root, version, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a server; resolves with its connection string and a `stop()` that removes it. */
export async function startBenchPostgres(bin) {
  const directory = mkdtempSync(join(tmpdir(), 'ftp-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
    chownSync(directory, id('-u'), id('-g'));
  }
  const run = (program, args) =>
    execFileSync(asRoot ? 'runuser' : join(bin, program), asRoot ? ['-u', 'nobody', '--', join(bin, program), ...args] : args, {
      cwd: directory,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: 'ignore',
    });
  const data = join(directory, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const settings = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run('pg_ctl', ['-D', data, '-l', join(directory, 'log'), '-w', '-t', '60', '-o', settings, 'start']);
  return {
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}
