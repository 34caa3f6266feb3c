// Starting and stopping the servers under test. Every server runs as our child process on 127.0.0.1, serves the
// same data directory, and is stopped by its PID (SIGTERM, then SIGKILL after a grace period).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FtpControl } from './ftp-client.mjs';
import { findPostgresBin, startBenchPostgres } from './postgres.mjs';

const benchDirectory = dirname(dirname(fileURLToPath(import.meta.url)));
const peersDirectory = join(benchDirectory, '.peers');
const systemPython = '/usr/bin/python3';
/**
 * Node.js options of the garbage-collected servers (ours, ftp-srv): `gc()` exposed and a preload that runs a full
 * collection on `gcSignal`, which the idle-memory metric sends before each reading.
 */
export const gcPreload = ['--expose-gc', '--import', pathToFileURL(join(benchDirectory, 'servers', 'gc-on-signal.mjs')).href];
export const gcSignal = 'SIGUSR2';

/** The environment and server fields of a server started with `gcPreload`: its collections report to `gcReport`. */
function gcReporting(workDirectory, name) {
  const gcReport = join(workDirectory, `gc-report-${name}.json`);
  return { env: { ...process.env, FTP_BENCH_GC_REPORT: gcReport }, extra: { gcSignal, gcReport } };
}

/** A free loopback port for the peers that cannot listen on port 0 and report it. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with the first JSON line the child prints ({ port }), or rejects when it exits first. */
export function portFromStdout(child) {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end !== -1) resolve(JSON.parse(text.slice(0, end)).port);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
  });
}

/** Polls until the port greets with 220 (for daemons that print nothing), at most ~5 s. */
async function waitForGreeting(child, port) {
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let attempt = 0; attempt < 100 && !exited; attempt++) {
    try {
      const control = await FtpControl.open(port);
      control.destroy();
      return port;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(exited ? 'exited before listening' : 'no greeting within 5 s');
}

export function launch(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let errorText = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (errorText = (errorText + chunk).slice(-2000)));
  child.errorText = () => errorText;
  return child;
}

/** Stops the child by its PID: SIGTERM, then SIGKILL after 3 s. */
export function stopper(child) {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
}

export async function started(name, child, portPromise, extra) {
  try {
    const port = await portPromise;
    return {
      name,
      pid: child.pid,
      port,
      user: 'anonymous',
      password: 'bench@',
      directory: '/pub',
      mlsd: true,
      ...extra,
      stop: stopper(child),
    };
  } catch (error) {
    await stopper(child)();
    throw new Error(`${name}: ${error.message}: ${child.errorText().trim()}`);
  }
}

/** The Node.js arguments that write a CPU profile into `profileDirectory`; none without one. */
export function profileArguments(profileDirectory) {
  return profileDirectory === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDirectory];
}

/** Our server from the built packages; `profileDirectory` adds --cpu-prof. */
async function startOurs({
  dataDirectory,
  workDirectory,
  fsync,
  profileDirectory,
  name,
  script = join(benchDirectory, 'servers', 'ours.mjs'),
  node = process.execPath,
  env = {},
}) {
  const nodeArguments = profileArguments(profileDirectory);
  const gc = gcReporting(workDirectory, name);
  const child = launch(node, [...gcPreload, ...nodeArguments, script, dataDirectory, fsync ? 'fsync' : 'nofsync'], {
    env: { ...gc.env, ...env },
  });
  return started(name, child, portFromStdout(child), gc.extra);
}

/** Our server with its shared state in a PostgreSQL of its own, started and stopped with it. */
async function startOursPostgres(context) {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const postgres = await startBenchPostgres(bin);
  try {
    const server = await startOurs({
      ...context,
      fsync: true,
      name: 'ours-postgres',
      env: { BENCH_POSTGRES_URL: postgres.connectionString },
    });
    return {
      ...server,
      stop: async () => {
        await server.stop();
        postgres.stop();
      },
    };
  } catch (error) {
    postgres.stop();
    throw error;
  }
}

async function startFtpSrv({ dataDirectory, workDirectory }) {
  const port = await freePort();
  const gc = gcReporting(workDirectory, 'ftp-srv');
  const child = launch(process.execPath, [...gcPreload, join(benchDirectory, 'servers', 'ftp-srv.mjs'), dataDirectory, String(port)], {
    env: gc.env,
  });
  return started('ftp-srv', child, portFromStdout(child), { mlsd: false, ...gc.extra });
}

async function startPyftpdlib({ dataDirectory }) {
  const port = await freePort();
  const child = launch(systemPython, [join(benchDirectory, 'servers', 'pyftpdlib-server.py'), dataDirectory, String(port)]);
  return started('pyftpdlib', child, portFromStdout(child), {});
}

async function startVsftpd({ dataDirectory, workDirectory }) {
  const port = await freePort();
  const emptyDirectory = join(workDirectory, 'vsftpd-empty');
  await mkdir(emptyDirectory, { recursive: true, mode: 0o755 });
  const configPath = join(workDirectory, 'vsftpd.conf');
  // Anonymous login mapped to "daemon" (whose home exists) (this machine has no "ftp" user), chrooted to the shared data directory.
  const settings = {
    listen: 'YES',
    listen_ipv6: 'NO',
    listen_address: '127.0.0.1',
    listen_port: port,
    background: 'NO',
    seccomp_sandbox: 'NO',
    anonymous_enable: 'YES',
    local_enable: 'NO',
    ftp_username: 'daemon',
    anon_root: dataDirectory,
    no_anon_password: 'YES',
    write_enable: 'YES',
    anon_upload_enable: 'YES',
    anon_mkdir_write_enable: 'YES',
    anon_other_write_enable: 'YES',
    anon_world_readable_only: 'NO',
    anon_umask: '022',
    allow_writeable_chroot: 'YES',
    secure_chroot_dir: emptyDirectory,
    xferlog_enable: 'NO',
    max_clients: 0,
    max_per_ip: 0,
    connect_from_port_20: 'NO',
    pasv_enable: 'YES',
    pasv_promiscuous: 'NO',
  };
  await writeFile(
    configPath,
    Object.entries(settings)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
  const libraries = join(peersDirectory, 'vsftpd', 'usr', 'lib', 'x86_64-linux-gnu');
  const child = launch(join(peersDirectory, 'vsftpd', 'usr', 'sbin', 'vsftpd'), [configPath], {
    env: { ...process.env, LD_LIBRARY_PATH: libraries },
  });
  return started('vsftpd', child, waitForGreeting(child, port), { mlsd: false });
}

async function startPureFtpd({ dataDirectory, workDirectory }) {
  const port = await freePort();
  const bin = join(peersDirectory, 'pure-ftpd', 'usr');
  const passwd = join(workDirectory, 'pureftpd.passwd');
  const database = join(workDirectory, 'pureftpd.pdb');
  // A virtual user (PureDB) chrooted to the data directory, running as nobody: no system account is touched. Its
  // password is an MD5-crypt hash: pure-pw would write argon2id, which costs about a second per login and would turn
  // the session churn metric into a password-hashing benchmark (the other servers log in anonymously).
  const hash = spawnSync('openssl', ['passwd', '-1', 'bench'], { encoding: 'utf8' }).stdout.trim();
  await writeFile(passwd, `bench:${hash}:65534:65534::${dataDirectory}/./::::::::::::\n`);
  const made = spawnSync(join(bin, 'bin', 'pure-pw'), ['mkdb', database, '-f', passwd], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`pure-ftpd: pure-pw mkdb failed: ${made.stderr}`);
  const child = launch(join(bin, 'sbin', 'pure-ftpd'), [
    '-S',
    `127.0.0.1,${port}`,
    '-l',
    `puredb:${database}`,
    '-E',
    '-H',
    '-c',
    '10000',
    '-C',
    '10000',
    '-u',
    '1',
    '-4',
  ]);
  return started('pure-ftpd', child, waitForGreeting(child, port), { user: 'bench', password: 'bench' });
}

/**
 * The servers available on this machine, ours first. A peer that is not installed is listed in `missing` with the
 * way to get it.
 */
export function availableServers() {
  const found = [
    { name: 'ours', start: (context) => startOurs({ ...context, fsync: true, name: 'ours' }) },
    { name: 'ftp-srv', start: startFtpSrv },
  ];
  const missing = [];
  // BENCH_BASELINE=<another checkout, built>: its server beside ours in the same run, for before/after ratios.
  const baseline = process.env.BENCH_BASELINE;
  if (baseline !== undefined && baseline !== '') {
    found.push({
      name: 'baseline',
      start: (context) => startOurs({ ...context, fsync: true, name: 'baseline', script: join(baseline, 'bench', 'servers', 'ours.mjs') }),
    });
  }
  // BENCH_NODE=<another Node.js binary>: our server on that Node beside ours on this one, as "ours-node<major>" (e.g.
  // ours-node24), with the same client in the same interleaved rounds.
  const otherNode = process.env.BENCH_NODE;
  if (otherNode !== undefined && otherNode !== '') {
    const version = spawnSync(otherNode, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    if (!/^v\d+\./.test(version)) throw new Error(`BENCH_NODE=${otherNode} does not run`);
    const name = `ours-node${version.slice(1).split('.')[0]}`;
    found.push({ name, start: (context) => startOurs({ ...context, fsync: true, name, node: otherNode }) });
  }
  const hasPython = spawnSync(systemPython, ['-c', 'import pyftpdlib'], { stdio: 'ignore' }).status === 0;
  if (hasPython) found.push({ name: 'pyftpdlib', start: startPyftpdlib });
  else missing.push('pyftpdlib (run bench/install-peers.sh)');
  if (existsSync(join(peersDirectory, 'vsftpd', 'usr', 'sbin', 'vsftpd'))) found.push({ name: 'vsftpd', start: startVsftpd });
  else missing.push('vsftpd (run bench/install-peers.sh)');
  if (existsSync(join(peersDirectory, 'pure-ftpd', 'usr', 'sbin', 'pure-ftpd'))) found.push({ name: 'pure-ftpd', start: startPureFtpd });
  else missing.push('pure-ftpd (run bench/install-peers.sh)');
  return { found, missing };
}

/**
 * Ours with its shared state in PostgreSQL (sessions, bans, quota of every upload), as scaled-out instances run, for
 * the cost of the round trips beside the in-memory default. Started only when `--servers` names it: it starts a
 * PostgreSQL server of its own.
 */
export const oursPostgres = { name: 'ours-postgres', start: startOursPostgres };

/**
 * Ours with the same users as ours-postgres (a quota each, so every upload reserves and commits) in the in-memory
 * shared state: beside ours-postgres, the ratio is the cost of keeping the state in PostgreSQL alone. Started only when
 * `--servers` names it.
 */
export const oursQuota = {
  name: 'ours-quota',
  start: (context) => startOurs({ ...context, fsync: true, name: 'ours-quota', env: { BENCH_QUOTA: '1' } }),
};

/**
 * The built CLI with `workers` worker processes behind one control port (servers/ours-workers.mjs), for the gain of
 * more cores: ours-workers1 and ours-workers2 run the same CLI and config but for the count. Started only when
 * `--servers` names them. Their CPU figures are the whole process tree's (primary and workers).
 */
export const oursWorkers = [1, 2].map((workers) => ({
  name: `ours-workers${workers}`,
  start: async ({ dataDirectory }) => {
    const child = launch(process.execPath, [join(benchDirectory, 'servers', 'ours-workers.mjs'), dataDirectory, 'fsync'], {
      env: { ...process.env, BENCH_WORKERS: String(workers) },
    });
    return started(`ours-workers${workers}`, child, portFromStdout(child), {});
  },
}));

/**
 * The bare Node.js reference (servers/node-floor.mjs): what Node.js alone costs for the exchanges of the 4 KiB files,
 * churn and idle metrics. Started only when `--servers` names it; it answers nothing else (502).
 */
export const nodeFloor = {
  name: 'node-floor',
  start: async ({ dataDirectory, workDirectory }) => {
    const gc = gcReporting(workDirectory, 'node-floor');
    const child = launch(process.execPath, [...gcPreload, join(benchDirectory, 'servers', 'node-floor.mjs'), dataDirectory], {
      env: gc.env,
    });
    return started('node-floor', child, portFromStdout(child), { mlsd: false, ...gc.extra });
  },
};

/** Our server without fsync, the variant measured beside the default for uploads. */
export const oursWithoutFsync = {
  name: 'ours-nofsync',
  start: (context) => startOurs({ ...context, fsync: false, name: 'ours-nofsync' }),
};
