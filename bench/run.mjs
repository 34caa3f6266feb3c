// pnpm bench [--quick] [--rounds N] [--warmup N] [--metrics retr,stor,...,deep,s3] [--servers ours,vsftpd,...] [--profile] [--no-build]; BENCH_BASELINE=<checkout> adds its server as "baseline"; BENCH_NODE=<node binary> adds ours on that Node as "ours-node<major>"
// Starts our built server and every peer found, drives them all with the same client in interleaved rounds, and
// reports medians and ratios (ours / peer). node-floor, ours-postgres (ours with its shared state in a PostgreSQL
// the bench starts), ours-quota (the same users in the in-memory state) and ours-workers1/ours-workers2 (the CLI with
// that many worker processes) run only when --servers names them. The s3 metric runs our server over @ftp/storage-s3 against a
// test S3 server beside the AWS SDK alone (bench/lib/s3.mjs). Results: bench/results/*.json; full runs also refresh
// BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { metrics } from './lib/metrics.mjs';
import { availableServers, nodeFloor, oursPostgres, oursQuota, oursWithoutFsync, oursWorkers } from './lib/servers.mjs';
import { startS3Bench } from './lib/s3.mjs';
import { formatSummary, summarize, warmedMetrics } from './lib/report.mjs';

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const repositoryDirectory = dirname(benchDirectory);
const MiB = 1024 * 1024;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    metrics: { type: 'string' },
    servers: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'no-fsync-variant': { type: 'boolean', default: false },
    tmp: { type: 'string', default: '/dev/shm' },
  },
});

const plan = flags.quick
  ? {
      rounds: 2,
      warmupRounds: 1,
      bigFileBytes: 256 * MiB,
      parallelStreams: 8,
      parallelFileBytes: 32 * MiB,
      smallFiles: 300,
      smallFilesSeconds: 2,
      churnSessions: 100,
      churnConcurrency: 32,
      listEntries: 10_000,
      listRepeats: 3,
      idleSessions: 200,
      s3Bytes: 64 * MiB,
      s3PartBytes: 5 * MiB,
      s3QueueSize: 4,
      deepLevels: 2000,
      deepNoops: 200,
      metricTimeoutSeconds: 30,
    }
  : {
      rounds: 3,
      warmupRounds: 2,
      bigFileBytes: 1024 * MiB,
      parallelStreams: 8,
      parallelFileBytes: 128 * MiB,
      smallFiles: 1000,
      smallFilesSeconds: 8,
      churnSessions: 500,
      churnConcurrency: 32,
      listEntries: 10_000,
      listRepeats: 5,
      idleSessions: 1000,
      s3Bytes: 256 * MiB,
      s3PartBytes: 5 * MiB,
      s3QueueSize: 4,
      deepLevels: 2000,
      deepNoops: 1000,
      metricTimeoutSeconds: 120,
    };
// The S3 parts are the connector's defaults (5 MiB, 4 in memory), also the SDK Upload's; fauxqs refuses bodies over ~11 MiB.
if (flags.rounds !== undefined) plan.rounds = Number(flags.rounds);
if (flags.warmup !== undefined) plan.warmupRounds = Number(flags.warmup);
const chosenMetrics = flags.metrics === undefined ? Object.keys(metrics) : flags.metrics.split(',');
for (const name of chosenMetrics) if (!(name in metrics)) throw new Error(`unknown metric ${name}`);

function build() {
  if (flags['no-build']) return;
  const result = spawnSync(
    'pnpm',
    ['exec', 'tsc', '-b', 'packages/server', 'packages/storage-fs', 'packages/storage-s3', 'packages/store-postgres'],
    {
      cwd: repositoryDirectory,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) throw new Error('building the packages failed (use --no-build to run the existing dist/)');
}

async function writeRepeated(path, bytes, pattern) {
  const handle = await open(path, 'w', 0o644);
  try {
    for (let written = 0; written < bytes; written += pattern.byteLength)
      await handle.write(pattern, 0, Math.min(pattern.byteLength, bytes - written));
  } finally {
    await handle.close();
  }
}

/**
 * The shared data directory on tmpfs: every server's root is `data/` and every session works in `data/pub/`, which
 * holds the files every server downloads and the 10k-entry directory. The root itself stays read-only, as vsftpd
 * refuses a writable anonymous chroot.
 */
async function prepareData(workDirectory) {
  const rootDirectory = join(workDirectory, 'data');
  const dataDirectory = join(rootDirectory, 'pub');
  await mkdir(join(dataDirectory, 'list10k'), { recursive: true });
  const pattern = Buffer.alloc(MiB);
  for (let index = 0; index < pattern.length; index++) pattern[index] = (index * 2654435761) >>> 24;
  await writeRepeated(join(dataDirectory, 'big.bin'), plan.bigFileBytes, pattern);
  for (let index = 0; index < plan.parallelStreams; index++) {
    await writeRepeated(join(dataDirectory, `parallel-${index}.bin`), plan.parallelFileBytes, pattern);
  }
  const entry = Buffer.from('x'.repeat(100));
  for (let index = 0; index < plan.listEntries; index++) {
    await writeFile(join(dataDirectory, 'list10k', `entry-${String(index).padStart(5, '0')}.txt`), entry);
  }
  // Peers that drop privileges (vsftpd, pure-ftpd run sessions as "nobody") must be able to write here.
  await chmod(dataDirectory, 0o777);
  await chmod(rootDirectory, 0o755);
  await chmod(workDirectory, 0o755);
  return { rootDirectory, dataDirectory };
}

function machineConditions() {
  const kernel = release();
  const peerVersion = (command) => spawnSync('sh', ['-c', command], { encoding: 'utf8' }).stdout.trim() || null;
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel,
    node: process.version,
    loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
    dataOn: flags.tmp,
    peers: {
      vsftpd: peerVersion(`ls ${benchDirectory}/.peers/debs/ 2>/dev/null | grep vsftpd`),
      'pure-ftpd': peerVersion(`ls ${benchDirectory}/.peers/debs/ 2>/dev/null | grep pure-ftpd`),
      pyftpdlib: peerVersion(`/usr/bin/python3 -c 'import pyftpdlib; print(pyftpdlib.__ver__)' 2>/dev/null`),
      'ftp-srv': '4.6.3',
    },
  };
}

/** Stops every process the bench started, by PID; each one is added as soon as it runs. */
const stopOnExit = [];
const stopEverything = () => Promise.allSettled(stopOnExit.splice(0).map((stop) => stop()));

async function startAll(context) {
  const { found, missing } = availableServers();
  let candidates = found;
  if (!flags['no-fsync-variant']) candidates = [found[0], oursWithoutFsync, ...found.slice(1)];
  if (flags.servers !== undefined) {
    const wanted = flags.servers.split(',');
    candidates = [...candidates, nodeFloor, oursPostgres, oursQuota, ...oursWorkers].filter((server) => wanted.includes(server.name));
  }
  const running = [];
  const failed = [...missing];
  for (const candidate of candidates) {
    try {
      const server = await candidate.start(context);
      stopOnExit.push(server.stop);
      running.push(server);
    } catch (error) {
      failed.push(`${candidate.name}: ${error.message}`);
    }
  }
  let s3Server;
  const wantsS3 = flags.servers === undefined || flags.servers.split(',').some((name) => name === 'ours' || name === 'ours-s3');
  if (chosenMetrics.includes('s3') && !wantsS3) failed.push('s3: --servers names neither ours nor ours-s3');
  if (chosenMetrics.includes('s3') && wantsS3) {
    try {
      s3Server = await startS3Bench({ plan, context, track: (stop) => stopOnExit.push(stop) });
    } catch (error) {
      failed.push(`s3: ${error.message}`);
    }
  }
  return { running, failed, s3Server };
}

/** Metrics the no-fsync variant adds information to (the rest do not write). */
const fsyncSensitive = new Set(['stor', 'small']);

async function main() {
  build();
  const workDirectory = join(flags.tmp, `ftp-bench-${process.pid}`);
  await mkdir(workDirectory, { recursive: true });
  const profileDirectory = flags.profile ? join(benchDirectory, 'results', 'profiles') : undefined;
  if (profileDirectory !== undefined) await mkdir(profileDirectory, { recursive: true });
  // Ctrl-C or a SIGTERM still stops every server we started (by PID) and removes the data.
  const interrupted = async () => {
    await stopEverything();
    await rm(workDirectory, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const conditions = machineConditions();
  try {
    process.stdout.write(`preparing data in ${workDirectory} ...\n`);
    const { rootDirectory, dataDirectory } = await prepareData(workDirectory);
    const context = { dataDirectory: rootDirectory, workDirectory, profileDirectory };
    const started = await startAll(context);
    const { running, s3Server } = started;
    for (const note of started.failed) process.stdout.write(`skipped: ${note}\n`);
    process.stdout.write(
      `servers: ${[...running, ...(s3Server === undefined ? [] : [s3Server])].map((server) => server.name).join(', ')}\n`,
    );
    const runPlan = { ...plan, dataDirectory };
    const samples = {};
    const errors = [];
    const warmup = await warmUp(running, runPlan, errors);
    for (let round = 0; round < plan.rounds; round++) {
      for (const metricName of chosenMetrics) {
        // Rotate the order every round so no server always runs first (warm caches, a busy neighbour).
        let order = running.map((_, index) => running[(index + round) % running.length]);
        // The S3 metric drives its own server (and the SDK baseline beside it), not the FTP peers.
        if (metrics[metricName].target === 's3') order = s3Server === undefined ? [] : [s3Server];
        for (const server of order) {
          if (server.name === 'ours-nofsync' && !fsyncSensitive.has(metricName)) continue;
          try {
            const result = await withTimeout(metrics[metricName].run(server, runPlan, round), plan.metricTimeoutSeconds);
            ((samples[metricName] ??= {})[server.name] ??= []).push(result);
            process.stdout.write(`round ${round + 1} ${metricName} ${server.name}: ${JSON.stringify(roundValues(result))}\n`);
          } catch (error) {
            errors.push({ round: round + 1, metric: metricName, server: server.name, error: error.message });
            process.stdout.write(`round ${round + 1} ${metricName} ${server.name}: FAILED ${error.message}\n`);
          }
        }
      }
    }
    conditions.loadAverageAtEnd = loadavg().map((value) => Number(value.toFixed(2)));
    const summary = summarize(samples, metrics);
    const result = { mode: flags.quick ? 'quick' : 'full', plan, conditions, skipped: started.failed, errors, summary, samples, warmup };
    if (s3Server !== undefined) result.s3 = s3Server.s3;
    await writeResults(result);
  } finally {
    await stopEverything();
    await rm(workDirectory, { recursive: true, force: true });
  }
}

/**
 * Untimed rounds of the per-operation metrics (many short commands, sessions or listings) before the measured ones,
 * for every server alike: a JIT-compiled server (ours, ftp-srv) keeps optimising its hot paths for thousands of
 * sessions (V8 --trace-opt: about 40 TurboFan compilations per 600 small transfers after 1,200, a dozen after 6,000),
 * and a daemon is measured as it runs for its users, warm. Throughput metrics warm up within their first megabytes.
 * Warm-up samples are kept in the results file, apart from the medians.
 */
async function warmUp(running, runPlan, errors) {
  const samples = {};
  for (let round = 0; round < plan.warmupRounds; round++) {
    for (const metricName of chosenMetrics.filter((name) => warmedMetrics.includes(name))) {
      for (const server of running) {
        if (server.name === 'ours-nofsync' && !fsyncSensitive.has(metricName)) continue;
        try {
          const result = await withTimeout(metrics[metricName].run(server, runPlan, round), plan.metricTimeoutSeconds);
          ((samples[metricName] ??= {})[server.name] ??= []).push(result);
          process.stdout.write(`warm-up ${round + 1} ${metricName} ${server.name}: ${JSON.stringify(roundValues(result))}\n`);
        } catch (error) {
          errors.push({ warmup: round + 1, metric: metricName, server: server.name, error: error.message });
          process.stdout.write(`warm-up ${round + 1} ${metricName} ${server.name}: FAILED ${error.message}\n`);
        }
      }
    }
  }
  return samples;
}

/** Bounds every measurement: a peer that stops answering fails that sample instead of stalling the run. */
function withTimeout(promise, seconds) {
  let timer;
  const expired = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function roundValues(result) {
  return Object.fromEntries(
    Object.entries(result).map(([key, value]) => [key, typeof value === 'number' ? Number(value.toPrecision(4)) : value]),
  );
}

const summaryStart = '<!-- bench:summary:start -->';
const summaryEnd = '<!-- bench:summary:end -->';

async function writeResults(result) {
  const resultsDirectory = join(benchDirectory, 'results');
  await mkdir(resultsDirectory, { recursive: true });
  const stamp = result.conditions.date.replace(/[:.]/g, '-');
  const file = join(resultsDirectory, `${result.mode}-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(resultsDirectory, `latest-${result.mode}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const text = formatSummary(result);
  process.stdout.write(`\n${text}\nresults: ${file}\n`);
  // Only a complete full run replaces the summary kept in the repository.
  if (result.mode !== 'full' || flags.metrics !== undefined || flags.servers !== undefined) return;
  const benchmarksPath = join(repositoryDirectory, 'BENCHMARKS.md');
  const current = await readFile(benchmarksPath, 'utf8').catch(() => `${summaryStart}\n${summaryEnd}\n`);
  const start = current.indexOf(summaryStart);
  const end = current.indexOf(summaryEnd);
  if (start === -1 || end === -1) return;
  await writeFile(benchmarksPath, `${current.slice(0, start + summaryStart.length)}\n${text}${current.slice(end)}`);
  process.stdout.write(`BENCHMARKS.md updated\n`);
}

await main();
