// Where ours-postgres spends its database round trips: node bench/probe-shared-state.mjs [SESSIONS] [UPLOADS].
// Starts a throwaway PostgreSQL (bench/lib/postgres.mjs) and our server with its shared state there, as
// bench/servers/ours.mjs does with BENCH_POSTGRES_URL, through a pool that counts and times every statement; then
// runs SESSIONS short sessions (connect, login, PWD, QUIT), one at a time and 32 at a time, and, in one session, UPLOADS 4 KiB uploads, and prints per
// statement how many ran per session or per upload and their median time. Also prints the database settings that
// decide what a commit costs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { createPostgresPool, createPostgresSharedState } from '@ftp/store-postgres';
import { FtpControl } from './lib/ftp-client.mjs';
import { findPostgresBin, startBenchPostgres } from './lib/postgres.mjs';

const sessions = Number(process.argv[2] ?? 300);
const uploads = Number(process.argv[3] ?? 300);
const bin = findPostgresBin();
if (bin === undefined) throw new Error('no PostgreSQL found under /usr/lib/postgresql');
const database = await startBenchPostgres(bin);
const root = mkdtempSync(join(tmpdir(), 'ftp-probe-'));
try {
  const pool = createPostgresPool({ connectionString: database.connectionString, maxConnections: 32 });
  const settings = await pool.query(
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')`,
  );
  console.log(settings.rows.map((row) => `${row.name}=${row.setting}`).join(' '));
  let stats = new Map();
  const counted = {
    async query(statement, values) {
      const name = typeof statement === 'object' ? (statement.name ?? statement.text) : statement;
      const start = performance.now();
      try {
        return await pool.query(statement, values);
      } finally {
        const entry = stats.get(name) ?? [];
        entry.push(performance.now() - start);
        stats.set(name, entry);
      }
    },
    connect: () => pool.connect(),
    end: () => pool.end(),
  };
  const sharedState = await createPostgresSharedState({ pool: counted });
  const server = createFtpServer({
    authenticator: createNoAuthAuthenticator(),
    storage: createFsStorage({ root, createRoot: false }),
    host: '127.0.0.1',
    port: 0,
    maxSessions: 10_000,
    maxSessionsPerIp: 10_000,
    ...(process.env.PROBE_MEMORY === undefined ? { sharedState } : {}),
    userDefaults: { quota: { maxBytes: Number.MAX_SAFE_INTEGER, maxFiles: Number.MAX_SAFE_INTEGER } },
  });
  const { port } = await server.listen();
  const report = (what, per) => {
    console.log(`${what}:`);
    for (const [name, times] of [...stats].sort()) {
      times.sort((a, b) => a - b);
      const short = name.replace(/^ftp-shared-ftp-/, '').slice(0, 40);
      console.log(
        `  ${short.padEnd(40)} ${(times.length / per).toFixed(3)} per ${what}, median ${times[Math.floor(times.length / 2)].toFixed(3)} ms`,
      );
    }
    stats = new Map();
  };

  // Warm-up: the first login counts the quota and makes the user's rows.
  const warm = await FtpControl.open(port);
  await warm.login('anonymous', 'probe');
  await warm.quit();
  await new Promise((resolve) => setTimeout(resolve, 100));
  stats = new Map();

  const sessionsStarted = performance.now();
  for (let index = 0; index < sessions; index++) {
    const control = await FtpControl.open(port);
    await control.login('anonymous', 'probe');
    await control.expect('PWD', 257);
    await control.quit();
  }
  console.log(`${sessions} sessions in ${(performance.now() - sessionsStarted).toFixed(0)} ms`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  report('session', sessions);

  const concurrentStarted = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < sessions) {
      next++;
      const control = await FtpControl.open(port);
      await control.login('anonymous', 'probe');
      await control.expect('PWD', 257);
      await control.quit();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  console.log(`${sessions} sessions 32 at a time in ${(performance.now() - concurrentStarted).toFixed(0)} ms`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  report('concurrent session', sessions);

  const content = Buffer.alloc(4096, 0x61);
  const control = await FtpControl.open(port);
  await control.login('anonymous', 'probe');
  const started = performance.now();
  for (let index = 0; index < uploads; index++) await control.upload(`f${index}.dat`, content.byteLength, content);
  console.log(`${uploads} uploads in ${(performance.now() - started).toFixed(0)} ms`);
  await control.quit();
  await new Promise((resolve) => setTimeout(resolve, 100));
  report('upload', uploads);
  await server.close({ timeoutMs: 1000 });
  await sharedState.close?.();
  await pool.end();
} finally {
  database.stop();
  rmSync(root, { recursive: true, force: true });
}
