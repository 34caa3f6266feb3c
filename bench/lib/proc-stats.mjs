// CPU time and memory of a server and every process it forked (vsftpd and pure-ftpd fork per session), read
// from /proc. Linux only.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const clockTicksPerSecond = 100;

function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended between the directory listing and the read
  }
}

/** Fields of /proc/PID/stat after the command name (which may contain spaces and parentheses). */
function statFields(pid) {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** The PIDs of `rootPid` and all its descendants. */
export function processTree(rootPid) {
  const childrenOf = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name);
    if (fields === undefined) continue;
    const parent = Number(fields[1]);
    if (!childrenOf.has(parent)) childrenOf.set(parent, []);
    childrenOf.get(parent).push(Number(name));
  }
  const tree = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop();
    tree.push(pid);
    for (const child of childrenOf.get(pid) ?? []) pending.push(child);
  }
  return tree;
}

/**
 * CPU seconds (user + system) of the tree, including children it has already reaped: a session process that ends
 * moves its time into its parent's cutime/cstime, so differences of two readings stay right.
 */
export function treeCpuSeconds(rootPid) {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    const fields = statFields(pid);
    if (fields === undefined) continue;
    // utime, stime, cutime, cstime are fields 14-17 of stat(5); fields[] starts at field 3.
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / clockTicksPerSecond;
}

function kilobytesField(text, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text ?? '');
  return match === null ? 0 : Number(match[1]) * 1024;
}

/**
 * Memory of the tree in bytes as the sum of proportional set sizes (Pss): pages shared by forked session processes
 * are counted once overall, so a forking server and a single-process one compare fairly.
 */
export function treeMemoryBytes(rootPid) {
  let total = 0;
  for (const pid of processTree(rootPid)) total += kilobytesField(readText(`/proc/${pid}/smaps_rollup`), 'Pss');
  return total;
}

/** Resident set size of the root process alone (for the peak-memory figure of a single-process server). */
export function residentBytes(pid) {
  return kilobytesField(readText(`/proc/${pid}/status`), 'VmRSS');
}

/** Resets the peak resident set size (VmHWM) of `pid` to its current RSS; false where the kernel does not allow it. */
function resetPeakResident(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Follows the resident set size of one process while something runs: samples VmRSS every `intervalMs`, and where the
 * kernel allows resetting the high-water mark (/proc/PID/clear_refs) also reads VmHWM at the end, which catches a
 * peak between two samples. `stop()` returns the value before, the peak, and the growth (peak minus before) in bytes.
 */
export function followResident(pid, intervalMs = 20) {
  const before = residentBytes(pid);
  const exactPeak = resetPeakResident(pid);
  let sampledPeak = before;
  let samples = 0;
  const timer = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, residentBytes(pid));
    samples++;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sampledPeak = Math.max(sampledPeak, residentBytes(pid));
      const highWater = exactPeak ? kilobytesField(readText(`/proc/${pid}/status`), 'VmHWM') : 0;
      const peak = Math.max(sampledPeak, highWater);
      return { before, peak, sampledPeak, highWater: exactPeak ? highWater : null, samples, growth: peak - before };
    },
  };
}
