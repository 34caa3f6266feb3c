// Our built CLI (apps/server/dist/main.js) with `workers` processes on one control port, as the benchmark runs it:
// node ours-workers.mjs ROOT FSYNC, with BENCH_WORKERS (default 2). The config matches servers/ours.mjs (no-auth, fs,
// limits out of the way) and logs warnings only, so the per-command log lines of the CLI cost nothing here; its
// metrics tell when every worker serves.
// Prints the listening port on stdout once the server greets; SIGTERM stops the CLI (every worker) and exits.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [root, fsync] = process.argv.slice(2);
const workers = Number(process.env.BENCH_WORKERS ?? '2');
const mainScript = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));

/** A port free right now on 127.0.0.1 (the CLI's `listening` line is at info level, which this run does not log). */
async function freePort() {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * True once the server takes connections: with workers, once the primary counts `workers` of them serving (its
 * `ftp_workers` metric); a single process, which has no primary, once its metrics answer (it opens them after the
 * control port).
 */
async function isReady(metricsPort) {
  try {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    const metrics = await response.text();
    return workers === 1 ? response.ok : new RegExp(`^ftp_workers ${workers}$`, 'm').test(metrics);
  } catch {
    return false;
  }
}

const directory = await mkdtemp(join(tmpdir(), 'bench-ours-workers-'));
const port = await freePort();
const metricsPort = await freePort();
const config = join(directory, 'config.json');
await writeFile(
  config,
  JSON.stringify({
    ftpAddr: '127.0.0.1',
    ftpPort: port,
    workers,
    authenticator: 'no-auth',
    storageConnector: 'fs',
    storageConfig: { root, createRoot: false, fsync: fsync === 'fsync' },
    maxSessions: 10_000,
    maxSessionsPerIp: 10_000,
    logLevel: 'warn',
    metricsPort,
  }),
);
const child = spawn(process.execPath, [mainScript, '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
const exited = once(child, 'exit');
child.once('exit', (code) => {
  void rm(directory, { recursive: true, force: true }).finally(() => process.exit(code ?? 1));
});
// Every worker must listen before the first measurement, and a greeting comes from the first that does: the
// primary's metrics count those that serve (which turns metrics on, for every worker count alike).
let ready = false;
for (let attempt = 0; attempt < 200 && !ready; attempt++) {
  ready = await isReady(metricsPort);
  if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
}
if (!ready) {
  child.kill('SIGKILL');
  await exited;
}
process.stdout.write(`${JSON.stringify({ port, workers })}\n`);
process.on('SIGTERM', () => child.kill('SIGTERM'));
