import type { Dir, Dirent, Stats } from 'node:fs';
import { lstat, opendir, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InvalidOptionError } from '@ftp/plugin-api';
import { errnoOf } from './errno-to-storage-error.ts';

/**
 * Reclaims orphaned upload temporaries. An atomic upload writes `<temporaryPrefix><process tag><counter>` beside its
 * target and renames it over the target; a process killed meanwhile (kill -9, power loss) leaves the temporary
 * behind, hidden from listings and refused as a name, so no FTP user can ever remove it. The sweep here removes
 * those that are regular files, older than a given age (mtime: a running upload writes, so its mtime stays fresh),
 * and not written by an upload of this process right now (the registry below).
 *
 * The walk never follows a symlink (directory entry types from `opendir`; only real directories are entered, and a
 * temporary name that is a symlink or not a regular file is left alone), runs every system call in the thread pool
 * one at a time (one directory open, one batch of names, one lstat or unlink), and keeps only a stack of directory
 * paths still to visit. As everywhere in storage-fs, the check and the system call are separate: a *local* user who
 * swaps a directory on the way for a symlink between the two could race them (FTP clients cannot create symlinks);
 * what could be removed then is still only an old regular file whose name starts with the prefix.
 */

/** The default age past which a temporary whose upload is not running is reclaimed: one day. */
export const defaultTemporaryMaxAgeMs = 24 * 60 * 60 * 1000;

/** How many directory entries one read of `opendir` returns (its `bufferSize`) unless told otherwise. */
const defaultBatchSize = 128;

// ---------------------------------------------------------------------------------------------------------------
// Temporaries of uploads running in this process

/**
 * Names (basenames) of the temporaries that uploads of this process are writing now. Names are unique per process
 * (a random tag drawn once per process and a counter), so the name alone identifies the upload; keying by name also
 * makes the answer independent of how a path was spelled (a configured root vs. its real path).
 */
const activeTemporaryNames = new Set<string>();

/** Marks the temporary at `temporaryPath` as being written: no sweep removes it until `markTemporaryDone`. */
export function markTemporaryActive(temporaryPath: string): void {
  activeTemporaryNames.add(basename(temporaryPath));
}

/** The upload that wrote `temporaryPath` has ended (published, removed, or failed): sweeps may judge it again. */
export function markTemporaryDone(temporaryPath: string): void {
  activeTemporaryNames.delete(basename(temporaryPath));
}

/** True while an upload of this process writes a temporary of this name (a basename, or a path: its basename counts). */
export function isTemporaryActive(nameOrPath: string): boolean {
  return activeTemporaryNames.has(basename(nameOrPath));
}

/** How many temporaries are marked active now (for tests and diagnostics). */
export function activeTemporaryCount(): number {
  return activeTemporaryNames.size;
}

/**
 * Runs `write` with `temporaryPath` marked active, and unmarks it when `write` settles, however it ends. Mark before
 * the temporary is created (the open with O_EXCL) and keep it marked until it is renamed away or removed.
 */
export async function withActiveTemporary<T>(temporaryPath: string, write: () => Promise<T>): Promise<T> {
  markTemporaryActive(temporaryPath);
  try {
    return await write();
  } finally {
    markTemporaryDone(temporaryPath);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One sweep of one tree

export interface TemporarySweepOptions {
  /** The name prefix of upload temporaries (storage-fs `temporaryPrefix`, default ".ftp-upload-"). */
  readonly temporaryPrefix: string;
  /** Only temporaries whose mtime is more than this many milliseconds before `now()` are removed. */
  readonly maxAgeMs: number;
  /**
   * True for a temporary an upload of this process is writing now: never removed. Asked right before the unlink.
   * Default: the registry of this module (`isTemporaryActive(name)`).
   */
  readonly isActive?: (directoryPath: string, name: string) => boolean;
  /** Ends the sweep early: the result then has `aborted: true` and counts what was done until then. */
  readonly signal?: AbortSignal;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /** Directory entries read per system call (`opendir`'s `bufferSize`). Default 128. */
  readonly batchSize?: number;
  /**
   * Called after each temporary removed, with its path and size. Must not throw: an exception ends the sweep with
   * that error.
   */
  readonly onRemoved?: (path: string, bytes: number) => void;
}

export interface TemporarySweepResult {
  /** Temporaries removed. */
  readonly removedFiles: number;
  /** Their sizes added up (`st_size`). */
  readonly removedBytes: number;
  /** Directories read to the end (the root included). */
  readonly directoriesScanned: number;
  /** Directories that vanished, were no directory any more, or denied access (ENOENT, ENOTDIR, EACCES, EPERM, ELOOP). */
  readonly directoriesSkipped: number;
  /** Temporaries that qualified but could not be removed (EACCES, EPERM, EROFS, EBUSY). */
  readonly removalFailures: number;
  /** True when `signal` ended the sweep before the whole tree was seen. */
  readonly aborted: boolean;
}

/** errno values of a directory that is skipped rather than failing the sweep. */
const skippedDirectoryErrnos = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP']);
/** errno values of an unlink that is counted as a failure rather than failing the sweep. */
const removalFailureErrnos = new Set(['EACCES', 'EPERM', 'EROFS', 'EBUSY']);

interface Counts {
  removedFiles: number;
  removedBytes: number;
  directoriesScanned: number;
  directoriesSkipped: number;
  removalFailures: number;
}

interface SweepSettings {
  readonly temporaryPrefix: string;
  readonly maxAgeMs: number;
  readonly isActive: (directoryPath: string, name: string) => boolean;
  readonly signal: AbortSignal | undefined;
  readonly now: () => number;
  readonly onRemoved: ((path: string, bytes: number) => void) | undefined;
}

const byRegistry = (_directoryPath: string, name: string): boolean => isTemporaryActive(name);

function checkPrefix(temporaryPrefix: string): void {
  if (
    typeof temporaryPrefix !== 'string' ||
    temporaryPrefix === '' ||
    /[/\\\0]/.test(temporaryPrefix) ||
    temporaryPrefix === '.' ||
    temporaryPrefix === '..'
  ) {
    throw new InvalidOptionError('temporaryPrefix', 'must be a non-empty file name prefix without "/", "\\" or NUL');
  }
}

function checkMaxAge(maxAgeMs: number): void {
  if (typeof maxAgeMs !== 'number' || !Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
    throw new InvalidOptionError('maxAgeMs', 'must be a finite number of milliseconds, 0 or more');
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new InvalidOptionError('batchSize', 'must be a positive integer');
}

/**
 * Walks the tree under `rootPath` (the root itself is opened as given, a symlinked root included) and removes the
 * orphaned upload temporaries in it: entries whose name starts with `temporaryPrefix` that are regular files (lstat),
 * whose mtime is older than `maxAgeMs`, and that `isActive` does not claim. Directories are visited one at a time,
 * depth first, their names read in batches of `batchSize`; only real directories are entered, never a symlink.
 * Directories that vanish or deny access are counted and skipped. Resolves with the counts, also when `signal`
 * aborts (then `aborted` is true); rejects only on an unexpected error (EIO, EMFILE, …), after which the caller may
 * simply try again later.
 */
export async function sweepTemporaries(rootPath: string, options: TemporarySweepOptions): Promise<TemporarySweepResult> {
  checkPrefix(options.temporaryPrefix);
  checkMaxAge(options.maxAgeMs);
  const batchSize = options.batchSize ?? defaultBatchSize;
  checkBatchSize(batchSize);
  const settings: SweepSettings = {
    temporaryPrefix: options.temporaryPrefix,
    maxAgeMs: options.maxAgeMs,
    isActive: options.isActive ?? byRegistry,
    signal: options.signal,
    now: options.now ?? Date.now,
    onRemoved: options.onRemoved,
  };
  const counts: Counts = { removedFiles: 0, removedBytes: 0, directoriesScanned: 0, directoriesSkipped: 0, removalFailures: 0 };
  // Directories still to visit. Only paths are kept, never an open directory or a listing: memory grows with the
  // number of directories found but not yet visited, not with the tree.
  const pending: string[] = [rootPath];
  let aborted = false;
  while (pending.length > 0) {
    if (settings.signal?.aborted === true) {
      aborted = true;
      break;
    }
    const directoryPath = pending.pop()!;
    let directory: Dir;
    try {
      directory = await opendir(directoryPath, { bufferSize: batchSize });
    } catch (error) {
      if (!skippedDirectoryErrnos.has(errnoOf(error) ?? '')) throw error;
      counts.directoriesSkipped += 1;
      continue;
    }
    try {
      const finished = await sweepDirectory(directory, directoryPath, pending, settings, counts);
      if (!finished) {
        aborted = true;
        break;
      }
      counts.directoriesScanned += 1;
    } catch (error) {
      if (!skippedDirectoryErrnos.has(errnoOf(error) ?? '')) throw error;
      counts.directoriesSkipped += 1;
    } finally {
      await directory.close().catch(() => {});
    }
  }
  return { ...counts, aborted };
}

/** True when a directory entry's type is known (readdir's d_type); Node leaves all of these false otherwise. */
function typeKnown(entry: Dirent): boolean {
  return (
    entry.isFile() ||
    entry.isDirectory() ||
    entry.isSymbolicLink() ||
    entry.isFIFO() ||
    entry.isSocket() ||
    entry.isBlockDevice() ||
    entry.isCharacterDevice()
  );
}

/** lstat that answers undefined for an entry that vanished or cannot be looked at. */
async function lstatQuietly(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (skippedDirectoryErrnos.has(errnoOf(error) ?? '')) return undefined;
    throw error;
  }
}

/**
 * Reads one directory to its end: subdirectories go onto `pending`, temporaries are judged and removed. Resolves
 * false when the signal aborted it.
 */
async function sweepDirectory(
  directory: Dir,
  directoryPath: string,
  pending: string[],
  settings: SweepSettings,
  counts: Counts,
): Promise<boolean> {
  const { signal, temporaryPrefix } = settings;
  for await (const entry of directory) {
    if (signal?.aborted === true) return false;
    const path = join(directoryPath, entry.name);
    if (entry.isDirectory()) {
      pending.push(path);
      continue;
    }
    if (entry.isSymbolicLink()) continue; // never followed, and a symlink named like a temporary is no temporary
    const known = typeKnown(entry);
    if (!entry.name.startsWith(temporaryPrefix)) {
      // Without d_type (some FUSE and old file systems), lstat tells a real directory from the rest.
      if (!known && (await lstatQuietly(path))?.isDirectory() === true) pending.push(path);
      continue;
    }
    if (known && !entry.isFile()) continue;
    await judgeTemporary(directoryPath, entry.name, path, settings, counts);
  }
  if (signal?.aborted === true) return false;
  return true;
}

/** Removes the temporary at `path` if it is a regular file, old enough and not active. */
async function judgeTemporary(directoryPath: string, name: string, path: string, settings: SweepSettings, counts: Counts): Promise<void> {
  const stats = await lstatQuietly(path);
  // lstat again (not the entry type alone): the entry may have been replaced since the directory was read.
  if (stats === undefined || !stats.isFile()) return;
  if (settings.now() - stats.mtimeMs <= settings.maxAgeMs) return;
  // Asked last, right before the unlink: an upload that started meanwhile is seen (its name is marked before the
  // temporary is created, and a name is never reused within a process).
  if (settings.isActive(directoryPath, name)) return;
  if (settings.signal?.aborted === true) return;
  try {
    // unlink(2) removes the directory entry; it never follows a symlink, even one swapped in since the lstat.
    await unlink(path);
  } catch (error) {
    const errno = errnoOf(error) ?? '';
    if (errno === 'ENOENT') return; // published or removed by its upload meanwhile
    if (removalFailureErrnos.has(errno) || errno === 'EISDIR') {
      counts.removalFailures += 1;
      return;
    }
    throw error;
  }
  counts.removedFiles += 1;
  counts.removedBytes += stats.size;
  settings.onRemoved?.(path, stats.size);
}

// ---------------------------------------------------------------------------------------------------------------
// Sweeping at start and periodically

export interface TemporaryReclaimerOptions {
  /**
   * The trees to sweep, asked afresh before each round (per-user roots appear as users log in). A root given twice
   * in one round is swept once.
   */
  readonly roots: () => Iterable<string> | Promise<Iterable<string>>;
  /** Milliseconds from the end of one round to the start of the next. */
  readonly intervalMs: number;
  readonly temporaryPrefix: string;
  /** Default one day (`defaultTemporaryMaxAgeMs`). */
  readonly maxAgeMs?: number;
  readonly isActive?: (directoryPath: string, name: string) => boolean;
  readonly now?: () => number;
  readonly batchSize?: number;
  /** Called after each temporary removed (see `TemporarySweepOptions.onRemoved`); an exception goes to `onError`. */
  readonly onRemoved?: (path: string, bytes: number, root: string) => void;
  /** Called after each root's sweep, also one that found nothing or was stopped. */
  readonly onSwept?: (result: TemporarySweepResult, root: string) => void;
  /** Called with what went wrong; `root` is undefined when asking `roots()` failed. Never thrown. */
  readonly onError?: (error: unknown, root: string | undefined) => void;
}

/** One root's outcome in a round. */
export interface RootSweep {
  readonly root: string;
  readonly result: TemporarySweepResult;
}

export interface TemporaryReclaimer {
  /** Stops: the running round ends at its next check of the abort signal, and no further round starts. */
  stop(): void;
  /**
   * Runs a round now (the timer starts over after it), or joins the round that is running. Never rejects; errors go
   * to `onError`. After `stop()` it resolves with no results.
   */
  sweepNow(): Promise<readonly RootSweep[]>;
}

/** The longest delay setTimeout keeps (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * Sweeps `roots()` for orphaned upload temporaries soon after the call and then `intervalMs` after each round ends:
 * rounds never overlap, so a root is never swept twice at once. The timer is unref'd: it never keeps the process
 * alive (call `stop()` when closing, which also ends a running round promptly). Errors are reported to `onError`,
 * never thrown.
 */
export function startTemporaryReclaimer(options: TemporaryReclaimerOptions): TemporaryReclaimer {
  const { intervalMs } = options;
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0 || intervalMs > maxTimerDelayMs) {
    throw new InvalidOptionError('intervalMs', `must be a whole number of milliseconds from 1 to ${maxTimerDelayMs}`);
  }
  const maxAgeMs = options.maxAgeMs ?? defaultTemporaryMaxAgeMs;
  checkPrefix(options.temporaryPrefix);
  checkMaxAge(maxAgeMs);
  if (options.batchSize !== undefined) checkBatchSize(options.batchSize);

  const controller = new AbortController();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<readonly RootSweep[]> | undefined;

  const report = (error: unknown, root: string | undefined): void => {
    try {
      options.onError?.(error, root);
    } catch {
      // The error callback's own failure has nowhere left to go.
    }
  };

  const sweepOne = async (root: string): Promise<TemporarySweepResult> => {
    const onRemoved = options.onRemoved;
    return sweepTemporaries(root, {
      temporaryPrefix: options.temporaryPrefix,
      maxAgeMs,
      signal: controller.signal,
      ...(options.isActive === undefined ? {} : { isActive: options.isActive }),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(onRemoved === undefined
        ? {}
        : {
            onRemoved: (path: string, bytes: number) => {
              try {
                onRemoved(path, bytes, root);
              } catch (error) {
                report(error, root);
              }
            },
          }),
    });
  };

  const round = async (): Promise<readonly RootSweep[]> => {
    const results: RootSweep[] = [];
    let roots: Iterable<string>;
    try {
      roots = await options.roots();
    } catch (error) {
      report(error, undefined);
      return results;
    }
    const seen = new Set<string>();
    try {
      for (const root of roots) {
        if (controller.signal.aborted) break;
        const key = resolve(root);
        if (seen.has(key)) continue;
        seen.add(key);
        try {
          const result = await sweepOne(root);
          results.push({ root, result });
          try {
            options.onSwept?.(result, root);
          } catch (error) {
            report(error, root);
          }
        } catch (error) {
          report(error, root);
        }
      }
    } catch (error) {
      report(error, undefined); // the iterable itself failed
    }
    return results;
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void sweepNow();
    }, delayMs);
    timer.unref();
  };

  function sweepNow(): Promise<readonly RootSweep[]> {
    if (stopped) return Promise.resolve([]);
    if (running !== undefined) return running;
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    const current = round()
      .catch((error: unknown) => {
        report(error, undefined);
        return [];
      })
      .finally(() => {
        running = undefined;
        schedule(intervalMs);
      });
    running = current;
    return current;
  }

  // The first round starts on a timer too, so `roots()` is not asked before the caller has finished setting up.
  schedule(0);
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      controller.abort();
    },
    sweepNow,
  };
}
