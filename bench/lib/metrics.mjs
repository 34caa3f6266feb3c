// The benchmark's measurements (BENCHMARKS.md), each run against one server with the shared client. Every result carries the
// server's CPU seconds (its whole process tree) and the client's, so a client-bound figure shows.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openSession, FtpControl } from './ftp-client.mjs';
import { followResident, residentBytes, treeCpuSeconds, treeMemoryBytes } from './proc-stats.mjs';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Uploads send this buffer over and over: the client never allocates per chunk. */
const uploadChunk = Buffer.alloc(1 * MiB, 0x5a);
const smallFile = Buffer.alloc(4096, 0x61);

function clientCpuSeconds() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Runs `work` and returns its wall time and the CPU both sides spent meanwhile. */
async function measured(server, work) {
  const serverBefore = treeCpuSeconds(server.pid);
  const clientBefore = clientCpuSeconds();
  const startedAt = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return {
    value,
    seconds,
    serverCpu: treeCpuSeconds(server.pid) - serverBefore,
    clientCpu: clientCpuSeconds() - clientBefore,
  };
}

const megabytesPerSecond = (bytes, seconds) => bytes / seconds / 1e6;

async function retr(server, plan) {
  const control = await openSession(server);
  try {
    const run = await measured(server, () => control.download('RETR big.bin'));
    if (run.value.bytes !== plan.bigFileBytes) throw new Error(`RETR got ${run.value.bytes} bytes`);
    return {
      mbPerSecond: megabytesPerSecond(run.value.bytes, run.seconds),
      serverCpuPerGiB: run.serverCpu / (run.value.bytes / GiB),
      clientCpuShare: run.clientCpu / run.seconds,
    };
  } finally {
    await control.quit().catch(() => control.destroy());
  }
}

async function stor(server, plan) {
  const control = await openSession(server);
  const name = `stor-${server.name}.bin`;
  try {
    const run = await measured(server, () => control.upload(name, plan.bigFileBytes, uploadChunk));
    return {
      mbPerSecond: megabytesPerSecond(plan.bigFileBytes, run.seconds),
      serverCpuPerGiB: run.serverCpu / (plan.bigFileBytes / GiB),
      clientCpuShare: run.clientCpu / run.seconds,
    };
  } finally {
    await control.quit().catch(() => control.destroy());
    await rm(join(plan.dataDirectory, name), { force: true });
  }
}

async function parallelRetr(server, plan) {
  const sessions = await Promise.all(Array.from({ length: plan.parallelStreams }, () => openSession(server)));
  try {
    const run = await measured(server, () => Promise.all(sessions.map((control, index) => control.download(`RETR parallel-${index}.bin`))));
    const bytes = run.value.reduce((sum, result) => sum + result.bytes, 0);
    if (bytes !== plan.parallelStreams * plan.parallelFileBytes) throw new Error(`parallel RETR got ${bytes} bytes`);
    return {
      mbPerSecond: megabytesPerSecond(bytes, run.seconds),
      serverCpuPerGiB: run.serverCpu / (bytes / GiB),
      clientCpuShare: run.clientCpu / run.seconds,
    };
  } finally {
    await Promise.all(sessions.map((control) => control.quit().catch(() => control.destroy())));
  }
}

/** Up to `plan.smallFiles` files, but stops after `plan.smallFilesSeconds` so a slow peer cannot stall the run. */
async function smallFiles(server, plan) {
  const directory = `small-${server.name}`;
  const localDirectory = join(plan.dataDirectory, directory);
  await rm(localDirectory, { recursive: true, force: true });
  await mkdir(localDirectory);
  // Peers that run sessions as an unprivileged user write here too; mkdir's mode is cut by the umask.
  await chmod(localDirectory, 0o777);
  const control = await openSession(server);
  try {
    await control.expect(`CWD ${directory}`, 250);
    const deadline = () => performance.now() + plan.smallFilesSeconds * 1000;
    const upload = await measured(server, async () => {
      const stopAt = deadline();
      let count = 0;
      while (count < plan.smallFiles && performance.now() < stopAt) {
        await control.upload(`f${count}.dat`, smallFile.byteLength, smallFile);
        count++;
      }
      return count;
    });
    const download = await measured(server, async () => {
      const stopAt = deadline();
      let count = 0;
      while (count < upload.value && performance.now() < stopAt) {
        const { bytes } = await control.download(`RETR f${count}.dat`);
        if (bytes !== smallFile.byteLength) throw new Error(`small RETR got ${bytes} bytes`);
        count++;
      }
      return count;
    });
    return {
      uploadFilesPerSecond: upload.value / upload.seconds,
      downloadFilesPerSecond: download.value / download.seconds,
      uploaded: upload.value,
      downloaded: download.value,
      clientCpuShare: (upload.clientCpu + download.clientCpu) / (upload.seconds + download.seconds),
    };
  } finally {
    await control.quit().catch(() => control.destroy());
    await rm(localDirectory, { recursive: true, force: true });
  }
}

async function oneShortSession(server) {
  const control = await FtpControl.open(server.port);
  await control.login(server.user, server.password);
  await control.expect('PWD', 257);
  await control.quit();
}

/** connect, login, PWD, QUIT; sequentially, then `plan.churnConcurrency` at a time. */
async function churn(server, plan) {
  const sequential = await measured(server, async () => {
    for (let index = 0; index < plan.churnSessions; index++) await oneShortSession(server);
    return plan.churnSessions;
  });
  let next = 0;
  const worker = async () => {
    while (next < plan.churnSessions) {
      next++;
      await oneShortSession(server);
    }
  };
  const concurrent = await measured(server, () => Promise.all(Array.from({ length: plan.churnConcurrency }, worker)));
  return {
    sequentialPerSecond: plan.churnSessions / sequential.seconds,
    concurrentPerSecond: plan.churnSessions / concurrent.seconds,
    clientCpuShare: (sequential.clientCpu + concurrent.clientCpu) / (sequential.seconds + concurrent.seconds),
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** LIST and MLSD of the 10,000-entry directory, each `plan.listRepeats` times; the median time in ms. */
async function listing(server, plan) {
  const control = await openSession(server);
  try {
    await control.expect('CWD list10k', 250);
    const timeOf = async (command) => {
      const times = [];
      let lines = 0;
      for (let index = 0; index < plan.listRepeats; index++) {
        const run = await measured(server, () => control.download(command, true));
        lines = run.value.lines;
        times.push(run.seconds * 1000);
      }
      // A listing that misses entries would look fast: count its lines (MLSD adds none for "." with most servers).
      if (lines < plan.listEntries) throw new Error(`${command} returned ${lines} lines`);
      return times;
    };
    // Each listing's time is kept beside the median: the first ones of a session after the server sat idle run
    // slower (docs/performance.md, "Measuring on a small, shared machine"), and the results file should show it.
    const listEachMs = await timeOf('LIST');
    const mlsdEachMs = server.mlsd ? await timeOf('MLSD') : null;
    const rounded = (times) => times.map((time) => Number(time.toFixed(2)));
    return {
      listMs: median(listEachMs),
      mlsdMs: mlsdEachMs === null ? null : median(mlsdEachMs),
      listEachMs: rounded(listEachMs),
      mlsdEachMs: mlsdEachMs === null ? null : rounded(mlsdEachMs),
    };
  } finally {
    await control.quit().catch(() => control.destroy());
  }
}

/** The last report of a server's gc-on-signal preload ({ collections, heapUsed, external, ... }), if any. */
async function gcReportOf(server) {
  if (server.gcReport === undefined) return undefined;
  try {
    return JSON.parse(await readFile(server.gcReport, 'utf8'));
  } catch {
    return undefined; // no collection reported yet
  }
}

/**
 * Asks a server started with a `gcSignal` for a full garbage collection and waits until it reports it done (or at most
 * 2 s), then a little longer: V8 hands freed pages back to the OS from a background thread.
 */
async function collectGarbage(server) {
  const previous = (await gcReportOf(server))?.collections ?? 0;
  process.kill(server.pid, server.gcSignal);
  for (let waited = 0; server.gcReport !== undefined && waited < 2000; waited += 10) {
    if (((await gcReportOf(server))?.collections ?? 0) > previous) break;
    await pause(10);
  }
  await pause(200);
}

const pause = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Server memory per logged-in idle session: Pss of the process tree before and with `plan.idleSessions` open. For a
 * garbage-collected server (one started with a `gcSignal`), each reading follows a full garbage collection, so
 * garbage not yet collected does not count; the reading itself stays the Pss the OS sees, as for every server (it
 * still holds heap pages V8 keeps committed after the collection). Such a server also reports what its heap retains
 * after the collection (V8 heap in use plus memory outside the heap, e.g. Buffers): `heapKibPerSession`.
 */
async function idleSessions(server, plan) {
  const settle = async () => {
    await pause(300);
    if (server.gcSignal !== undefined) await collectGarbage(server);
  };
  // Memory moves on its own (allocation between collections, malloc slack): take the lowest of a few readings before
  // and the highest after, which can only overstate the growth.
  const readings = async (pick) => {
    const pss = [];
    const heap = [];
    for (let index = 0; index < 3; index++) {
      await settle();
      pss.push(treeMemoryBytes(server.pid));
      const report = await gcReportOf(server);
      if (report !== undefined) heap.push(report.heapUsed + report.external);
    }
    return { pss: pick(...pss), heap: heap.length === 3 ? pick(...heap) : undefined };
  };
  const before = await readings(Math.min);
  const sessions = [];
  try {
    for (let batch = 0; batch < plan.idleSessions; batch += 50) {
      const size = Math.min(50, plan.idleSessions - batch);
      const opened = await Promise.all(
        Array.from({ length: size }, async () => {
          const control = await FtpControl.open(server.port);
          await control.login(server.user, server.password);
          await control.expect('PWD', 257);
          return control;
        }),
      );
      sessions.push(...opened);
    }
    const after = await readings(Math.max);
    const perSession = (bytesBefore, bytesAfter) => (bytesAfter - bytesBefore) / 1024 / plan.idleSessions;
    return {
      kibPerSession: perSession(before.pss, after.pss),
      heapKibPerSession: before.heap === undefined || after.heap === undefined ? null : perSession(before.heap, after.heap),
      afterGc: server.gcSignal !== undefined,
    };
  } finally {
    for (const control of sessions) control.destroy();
    await pause(300);
  }
}

/**
 * Metric 8: STOR and RETR of `plan.s3Bytes` through our server over @ftp/storage-s3, beside the AWS SDK alone (a
 * lib-storage Upload with the connector's part and queue size, a GetObject read to the end) in a process of its own,
 * both against the same S3 server. FTP and SDK alternate which goes first from round to round. Both objects are
 * deleted after each sample (fauxqs keeps them in memory). Before the first round, both paths move a few parts
 * untimed, so no sample pays for loading and compiling code that only S3 transfers use.
 *
 * Memory: the RSS of the FTP server process (and of the SDK process) is followed during the upload (sampled every
 * 20 ms, plus VmHWM where the kernel lets the bench reset it) after a full garbage collection. Its peak is reported
 * over two baselines: the RSS just before this upload (`...PeakGrowthMiB`), and the RSS of the idle process before
 * its first transfer (`...PeakOverIdleMiB`). A process keeps memory an earlier upload freed (glibc's malloc arenas
 * hold the freed part buffers, V8 keeps its grown young generation), so from the second upload on the first figure
 * no longer sees the buffers; the second one does, and can only overstate: it is the one held to the target.
 */
async function s3Transfers(server, plan, round) {
  const { direct } = server;
  /** A full collection in both processes, so each measurement starts from the same clean state. */
  const collectBoth = () => Promise.all([collectGarbage(server), collectGarbage(direct)]);
  if (server.idleResident === undefined) {
    // The first call: the idle baselines, then the warm-up.
    await collectBoth();
    server.idleResident = residentBytes(server.pid);
    direct.idleResident = residentBytes(direct.pid);
    await s3WarmUp(server, plan);
  }
  const bytes = plan.s3Bytes;
  const name = `s3-round-${round}.bin`;
  const ftpKey = server.ftpKey(name);
  const sdkKey = server.sdkKey(name);
  const result = {};
  const control = await openSession(server);
  try {
    const ftpStor = async () => {
      await collectBoth();
      const memory = followResident(server.pid);
      let run;
      try {
        run = await measured(server, () => control.upload(name, bytes, uploadChunk));
      } finally {
        const peak = memory.stop();
        result.serverStorPeakGrowthMiB = peak.growth / MiB;
        result.serverStorPeakOverIdleMiB = (peak.peak - server.idleResident) / MiB;
        result.serverStorBeforeMiB = peak.before / MiB;
      }
      result.ftpStorMbPerSecond = megabytesPerSecond(bytes, run.seconds);
      result.serverStorCpuPerGiB = run.serverCpu / (bytes / GiB);
    };
    const ftpRetr = async () => {
      await collectBoth();
      const memory = followResident(server.pid);
      let run;
      try {
        run = await measured(server, () => control.download(`RETR ${name}`));
      } finally {
        result.serverRetrPeakGrowthMiB = memory.stop().growth / MiB;
      }
      if (run.value.bytes !== bytes) throw new Error(`RETR through storage-s3 got ${run.value.bytes} bytes`);
      result.ftpRetrMbPerSecond = megabytesPerSecond(bytes, run.seconds);
      result.serverRetrCpuPerGiB = run.serverCpu / (bytes / GiB);
    };
    const sdkUpload = async () => {
      await collectBoth();
      const memory = followResident(direct.pid);
      let run;
      try {
        run = await direct.call('upload', { key: sdkKey, bytes, partSize: plan.s3PartBytes, queueSize: plan.s3QueueSize });
      } finally {
        const peak = memory.stop();
        result.sdkUploadPeakGrowthMiB = peak.growth / MiB;
        result.sdkUploadPeakOverIdleMiB = (peak.peak - direct.idleResident) / MiB;
      }
      result.sdkUploadMbPerSecond = megabytesPerSecond(bytes, run.seconds);
      result.sdkUploadCpuPerGiB = run.cpuSeconds / (bytes / GiB);
    };
    const sdkGet = async () => {
      await collectBoth();
      const run = await direct.call('get', { key: sdkKey });
      if (run.bytes !== bytes) throw new Error(`GetObject got ${run.bytes} bytes`);
      result.sdkGetMbPerSecond = megabytesPerSecond(bytes, run.seconds);
      result.sdkGetCpuPerGiB = run.cpuSeconds / (bytes / GiB);
    };
    const ftpFirst = round % 2 === 0;
    for (const step of ftpFirst ? [ftpStor, sdkUpload, ftpRetr, sdkGet] : [sdkUpload, ftpStor, sdkGet, ftpRetr]) await step();
    result.storRatio = result.ftpStorMbPerSecond / result.sdkUploadMbPerSecond;
    result.retrRatio = result.ftpRetrMbPerSecond / result.sdkGetMbPerSecond;
    result.ftpFirst = ftpFirst;
    return result;
  } finally {
    await control.quit().catch(() => control.destroy());
    await Promise.allSettled([direct.call('delete', { key: ftpKey }), direct.call('delete', { key: sdkKey })]);
  }
}

/** A multipart STOR and RETR through our server and an Upload and GetObject through the SDK, of three parts each. */
async function s3WarmUp(server, plan) {
  const bytes = 3 * plan.s3PartBytes;
  const name = 's3-warm-up.bin';
  const control = await openSession(server);
  try {
    await control.upload(name, bytes, uploadChunk);
    await control.download(`RETR ${name}`);
    await server.direct.call('upload', { key: server.sdkKey(name), bytes, partSize: plan.s3PartBytes, queueSize: plan.s3QueueSize });
    await server.direct.call('get', { key: server.sdkKey(name) });
  } finally {
    await control.quit().catch(() => control.destroy());
    await Promise.allSettled([
      server.direct.call('delete', { key: server.ftpKey(name) }),
      server.direct.call('delete', { key: server.sdkKey(name) }),
    ]);
  }
}

/** Metric name → the function and the fields reported, with which direction is better. */
/** The median of `count` NOOP round trips on `control`, in microseconds. */
async function noopMedianMicroseconds(control, count) {
  const times = [];
  for (let index = 0; index < count; index++) {
    const startedAt = process.hrtime.bigint();
    await control.expect('NOOP', 200);
    times.push(Number(process.hrtime.bigint() - startedAt) / 1e3);
  }
  return median(times);
}

/**
 * Keeps `control` busy with pipelined SIZE, MLST, MDTM and a small STOR in its current directory while `observer`
 * measures `noops` NOOP round trips; resolves with the NOOP median and the busy session's commands per second.
 */
async function noopUnderLoad(control, observer, noops) {
  let stopping = false;
  let commands = 0;
  const startedAt = performance.now();
  const load = (async () => {
    while (!stopping) {
      const replies = await Promise.all(
        ['SIZE file.dat', 'MLST file.dat', 'MDTM file.dat', 'SIZE file.dat'].map((line) => control.command(line)),
      );
      if (replies[0].code !== 213) throw new Error(`SIZE under load: ${replies[0].text}`);
      await control.upload('file.dat', smallFile.byteLength, smallFile);
      commands += replies.length + 1;
    }
  })();
  const noopUs = await noopMedianMicroseconds(observer, noops);
  stopping = true;
  await load;
  return { noopUs, commandsPerSecond: commands / ((performance.now() - startedAt) / 1000) };
}

/**
 * The NOOP median of one session while another pipelines SIZE, MLST, MDTM and STOR, first in a directory
 * one level down, then `plan.deepLevels` directories deep (made as a client would, MKD and CWD per level). Equal
 * figures mean a deep path costs the other sessions nothing more than a shallow one.
 */
async function deepPaths(server, plan) {
  const directory = `deep-${server.name}`;
  const localDirectory = join(plan.dataDirectory, directory);
  // rm(1) walks with openat: a tree deeper than PATH_MAX cannot be removed by naming its paths.
  spawnSync('rm', ['-rf', localDirectory]);
  await mkdir(localDirectory);
  await chmod(localDirectory, 0o777);
  const worker = await openSession(server);
  const observer = await openSession(server);
  try {
    await worker.expect(`CWD ${directory}`, 250);
    await worker.upload('file.dat', smallFile.byteLength, smallFile);
    const noopAloneUs = await noopMedianMicroseconds(observer, plan.deepNoops);
    const shallow = await noopUnderLoad(worker, observer, plan.deepNoops);
    for (let level = 0; level < plan.deepLevels; level++) {
      await worker.expect('MKD d', 257);
      await worker.expect('CWD d', 250);
    }
    await worker.upload('file.dat', smallFile.byteLength, smallFile);
    const deep = await noopUnderLoad(worker, observer, plan.deepNoops);
    return {
      noopAloneUs,
      noopUnderShallowUs: shallow.noopUs,
      noopUnderDeepUs: deep.noopUs,
      shallowCommandsPerSecond: shallow.commandsPerSecond,
      deepCommandsPerSecond: deep.commandsPerSecond,
    };
  } finally {
    await worker.quit().catch(() => worker.destroy());
    await observer.quit().catch(() => observer.destroy());
    spawnSync('rm', ['-rf', localDirectory]);
  }
}

export const metrics = {
  retr: { run: retr, title: 'RETR one stream', fields: { mbPerSecond: 'higher', serverCpuPerGiB: 'lower' } },
  stor: { run: stor, title: 'STOR one stream', fields: { mbPerSecond: 'higher', serverCpuPerGiB: 'lower' } },
  parallel: { run: parallelRetr, title: 'parallel RETR', fields: { mbPerSecond: 'higher', serverCpuPerGiB: 'lower' } },
  small: {
    run: smallFiles,
    title: 'small files (4 KiB)',
    fields: { uploadFilesPerSecond: 'higher', downloadFilesPerSecond: 'higher' },
  },
  churn: { run: churn, title: 'session churn', fields: { sequentialPerSecond: 'higher', concurrentPerSecond: 'higher' } },
  listing: { run: listing, title: 'listing 10k entries', fields: { listMs: 'lower', mlsdMs: 'lower' } },
  idle: { run: idleSessions, title: 'idle sessions', fields: { kibPerSession: 'lower', heapKibPerSession: 'lower' } },
  deep: {
    run: deepPaths,
    title: 'NOOP beside a session 2,000 directories deep',
    fields: {
      noopAloneUs: 'info',
      noopUnderShallowUs: 'info',
      noopUnderDeepUs: 'lower',
      shallowCommandsPerSecond: 'info',
      deepCommandsPerSecond: 'higher',
    },
  },
  // Runs against its own processes (bench/lib/s3.mjs), not the FTP servers above; compared with the SDK, not peers.
  s3: {
    run: s3Transfers,
    title: 'S3 (storage-s3 vs AWS SDK)',
    target: 's3',
    fields: {
      ftpStorMbPerSecond: 'higher',
      sdkUploadMbPerSecond: 'higher',
      ftpRetrMbPerSecond: 'higher',
      sdkGetMbPerSecond: 'higher',
      serverStorPeakOverIdleMiB: 'lower',
      sdkUploadPeakOverIdleMiB: 'info',
      serverStorPeakGrowthMiB: 'lower',
      sdkUploadPeakGrowthMiB: 'info',
      serverRetrPeakGrowthMiB: 'info',
      serverStorCpuPerGiB: 'info',
      sdkUploadCpuPerGiB: 'info',
      serverRetrCpuPerGiB: 'info',
      sdkGetCpuPerGiB: 'info',
    },
    /** Each FTP figure over its direct-SDK counterpart. */
    versus: { ftpStorMbPerSecond: 'sdkUploadMbPerSecond', ftpRetrMbPerSecond: 'sdkGetMbPerSecond' },
  },
};
