import { existsSync, lutimesSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@ftp/plugin-api';
import {
  activeTemporaryCount,
  defaultTemporaryMaxAgeMs,
  isTemporaryActive,
  markTemporaryActive,
  markTemporaryDone,
  startTemporaryReclaimer,
  sweepTemporaries,
  withActiveTemporary,
  type RootSweep,
  type TemporaryReclaimer,
  type TemporarySweepResult,
} from './reclaim-temporaries.ts';

const prefix = '.ftp-upload-';
const day = 24 * 60 * 60 * 1000;
const twoDaysAgo = new Date(Date.now() - 2 * day);

let base: string;
/** The tree that is swept. */
let root: string;
/** A directory beside the root, never to be touched. */
let outside: string;

/** Writes `content` at `path` (parents created) and dates it `mtime`. */
function plant(path: string, content = 'partial upload', mtime: Date = twoDaysAgo): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  utimesSync(path, mtime, mtime);
  return path;
}

const sweep = (options: Partial<Parameters<typeof sweepTemporaries>[1]> = {}) =>
  sweepTemporaries(root, { temporaryPrefix: prefix, maxAgeMs: day, ...options });

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'storage-fs-reclaim-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
});

afterEach(async () => {
  await chmod(join(root, 'locked'), 0o700).catch(() => {});
  await rm(base, { recursive: true, force: true });
});

describe('sweepTemporaries', () => {
  it('removes an old temporary and counts it, leaving fresh temporaries and other files alone', async () => {
    const old = plant(join(root, `${prefix}abc1`), '12345');
    const fresh = plant(join(root, `${prefix}abc2`), 'x', new Date());
    const oldOrdinary = plant(join(root, 'report.pdf'));
    const almostPrefixed = plant(join(root, '.ftp-uploadX-abc3'));
    const result = await sweep();
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(oldOrdinary)).toBe(true);
    expect(existsSync(almostPrefixed)).toBe(true);
    expect(result).toEqual({
      removedFiles: 1,
      removedBytes: 5,
      directoriesScanned: 1,
      directoriesSkipped: 0,
      removalFailures: 0,
      aborted: false,
    });
  });

  it('judges age by maxAgeMs and the given clock', async () => {
    const hourOld = plant(join(root, `${prefix}hour`), 'x', new Date(Date.now() - 60 * 60 * 1000));
    await sweep();
    expect(existsSync(hourOld)).toBe(true);
    await sweep({ maxAgeMs: 30 * 60 * 1000 });
    expect(existsSync(hourOld)).toBe(false);
    const now = plant(join(root, `${prefix}now`), 'x', new Date());
    await sweep({ now: () => Date.now() + 2 * day });
    expect(existsSync(now)).toBe(false);
  });

  it('finds temporaries in nested directories, reading names in small batches', async () => {
    const deep = plant(join(root, 'a', 'b', 'c', `${prefix}deep`));
    const shallow = plant(join(root, 'a', `${prefix}shallow`));
    for (let index = 0; index < 20; index += 1) plant(join(root, 'a', 'b', `file-${index}`));
    const result = await sweep({ batchSize: 3 });
    expect(existsSync(deep)).toBe(false);
    expect(existsSync(shallow)).toBe(false);
    expect(result.removedFiles).toBe(2);
    expect(result.directoriesScanned).toBe(4);
  });

  it('leaves a temporary that an upload of this process marks active, by path or by name', async () => {
    const active = plant(join(root, 'sub', `${prefix}active`));
    markTemporaryActive(active);
    try {
      expect(isTemporaryActive(`${prefix}active`)).toBe(true);
      const result = await sweep();
      expect(existsSync(active)).toBe(true);
      expect(result.removedFiles).toBe(0);
    } finally {
      markTemporaryDone(active);
    }
    expect(isTemporaryActive(active)).toBe(false);
    await sweep();
    expect(existsSync(active)).toBe(false);
  });

  it('asks isActive with the directory and the name, and withActiveTemporary unmarks after a failure', async () => {
    const path = plant(join(root, 'sub', `${prefix}custom`));
    const asked: [string, string][] = [];
    await sweep({ isActive: (directory, name) => (asked.push([directory, name]), true) });
    expect(asked).toEqual([[join(root, 'sub'), `${prefix}custom`]]);
    expect(existsSync(path)).toBe(true);

    const before = activeTemporaryCount();
    await expect(
      withActiveTemporary(path, async () => {
        expect(isTemporaryActive(path)).toBe(true);
        await sweep();
        throw new Error('upload failed');
      }),
    ).rejects.toThrow('upload failed');
    expect(existsSync(path)).toBe(true);
    expect(activeTemporaryCount()).toBe(before);
    expect(isTemporaryActive(path)).toBe(false);
  });

  it('never follows a symlinked directory out of the root, while real directories are entered', async () => {
    const outsideTemporary = plant(join(outside, `${prefix}outside`));
    symlinkSync(outside, join(root, 'link-to-outside'), 'dir');
    symlinkSync(root, join(root, 'loop'), 'dir'); // would sweep forever if followed
    const inside = plant(join(root, 'real', `${prefix}inside`));
    const result = await sweep();
    expect(existsSync(inside)).toBe(false);
    expect(existsSync(outsideTemporary)).toBe(true);
    expect(result.directoriesScanned).toBe(2);
  });

  it('leaves a temporary name that is a directory (its content is still swept) or a symlink', async () => {
    const directory = join(root, `${prefix}dir`);
    mkdirSync(directory);
    const inDirectory = plant(join(directory, `${prefix}inner`));
    utimesSync(directory, twoDaysAgo, twoDaysAgo);
    const target = plant(join(outside, 'target.bin'));
    const link = join(root, `${prefix}link`);
    symlinkSync(target, link);
    lutimesSync(link, twoDaysAgo, twoDaysAgo);
    const dangling = join(root, `${prefix}dangling`);
    symlinkSync(join(outside, 'missing'), dangling);
    lutimesSync(dangling, twoDaysAgo, twoDaysAgo);
    const result = await sweep();
    expect(existsSync(directory)).toBe(true);
    expect(existsSync(inDirectory)).toBe(false);
    expect(existsSync(link)).toBe(true);
    expect(existsSync(target)).toBe(true);
    expect(() => lutimesSync(dangling, twoDaysAgo, twoDaysAgo)).not.toThrow(); // the link itself is still there
    expect(result.removedFiles).toBe(1);
  });

  it('counts a missing root or a root that is a file as skipped instead of failing', async () => {
    await expect(sweepTemporaries(join(base, 'missing'), { temporaryPrefix: prefix, maxAgeMs: day })).resolves.toMatchObject({
      directoriesScanned: 0,
      directoriesSkipped: 1,
      aborted: false,
    });
    const file = plant(join(base, 'file'));
    await expect(sweepTemporaries(file, { temporaryPrefix: prefix, maxAgeMs: day })).resolves.toMatchObject({ directoriesSkipped: 1 });
  });

  it.skipIf(process.getuid?.() === 0)('skips a directory that denies access and sweeps the rest', async () => {
    const locked = join(root, 'locked');
    const hidden = plant(join(locked, `${prefix}hidden`));
    const open = plant(join(root, 'open', `${prefix}open`));
    await chmod(locked, 0o000);
    const result = await sweep();
    expect(existsSync(open)).toBe(false);
    expect(result.directoriesSkipped).toBe(1);
    await chmod(locked, 0o700);
    expect(existsSync(hidden)).toBe(true);
  });

  it('does nothing once the signal is aborted and stops in the middle of a sweep', async () => {
    const paths = Array.from({ length: 10 }, (_, index) => plant(join(root, `d${index}`, `${prefix}t${index}`)));
    const before = await sweep({ signal: AbortSignal.abort() });
    expect(before).toMatchObject({ removedFiles: 0, directoriesScanned: 0, aborted: true });
    expect(paths.every((path) => existsSync(path))).toBe(true);

    const controller = new AbortController();
    let asked = 0;
    const during = await sweep({
      signal: controller.signal,
      isActive: () => {
        asked += 1;
        controller.abort();
        return false;
      },
    });
    expect(asked).toBe(1);
    expect(during).toMatchObject({ removedFiles: 0, aborted: true });
    expect(paths.every((path) => existsSync(path))).toBe(true);
  });

  it('looks at no further entry once aborted', async () => {
    const paths = Array.from({ length: 10 }, (_, index) => plant(join(root, `${prefix}t${index}`)));
    const controller = new AbortController();
    let asked = 0;
    const result = await sweep({ signal: controller.signal, isActive: () => ((asked += 1), false), onRemoved: () => controller.abort() });
    expect(result).toMatchObject({ removedFiles: 1, directoriesScanned: 0, aborted: true });
    expect(asked).toBe(1);
    expect(paths.filter((path) => existsSync(path))).toHaveLength(9);
  });

  it('reports each removal', async () => {
    const path = plant(join(root, 'x', `${prefix}reported`), 'abc');
    const removed: [string, number][] = [];
    await sweep({ onRemoved: (removedPath, bytes) => removed.push([removedPath, bytes]) });
    expect(removed).toEqual([[path, 3]]);
  });

  it('refuses bad options', async () => {
    await expect(sweepTemporaries(root, { temporaryPrefix: '', maxAgeMs: day })).rejects.toThrow(InvalidOptionError);
    await expect(sweepTemporaries(root, { temporaryPrefix: 'a/b', maxAgeMs: day })).rejects.toThrow(InvalidOptionError);
    await expect(sweepTemporaries(root, { temporaryPrefix: prefix, maxAgeMs: -1 })).rejects.toThrow(InvalidOptionError);
    await expect(sweepTemporaries(root, { temporaryPrefix: prefix, maxAgeMs: day, batchSize: 0 })).rejects.toThrow(InvalidOptionError);
  });
});

describe('startTemporaryReclaimer', () => {
  let reclaimer: TemporaryReclaimer | undefined;
  afterEach(() => {
    reclaimer?.stop();
    reclaimer = undefined;
  });

  /** Resolves with the next `onSwept` call. */
  function sweptQueue() {
    const waiting: ((value: [TemporarySweepResult, string]) => void)[] = [];
    const arrived: [TemporarySweepResult, string][] = [];
    return {
      onSwept(result: TemporarySweepResult, sweptRoot: string) {
        const resolveNext = waiting.shift();
        if (resolveNext === undefined) arrived.push([result, sweptRoot]);
        else resolveNext([result, sweptRoot]);
      },
      next(): Promise<[TemporarySweepResult, string]> {
        const ready = arrived.shift();
        return ready === undefined ? new Promise((resolveNext) => waiting.push(resolveNext)) : Promise.resolve(ready);
      },
      get count() {
        return arrived.length;
      },
    };
  }

  it('sweeps at start and again after the interval, each root once per round, until stopped', async () => {
    const first = plant(join(root, `${prefix}first`));
    const swept = sweptQueue();
    let rounds = 0;
    reclaimer = startTemporaryReclaimer({
      roots: () => (rounds++, [root, `${root}/`, join(root, 'x', '..')]),
      intervalMs: 20,
      temporaryPrefix: prefix,
      onSwept: swept.onSwept,
      onError: (error) => {
        throw error;
      },
    });
    const [atStart, sweptRoot] = await swept.next();
    expect(sweptRoot).toBe(root);
    expect(atStart.removedFiles).toBe(1);
    expect(existsSync(first)).toBe(false);

    const second = plant(join(root, 'later', `${prefix}second`));
    let again: TemporarySweepResult;
    do [again] = await swept.next();
    while (again.removedFiles === 0);
    expect(existsSync(second)).toBe(false);
    expect(rounds).toBeGreaterThanOrEqual(2);

    reclaimer.stop();
    const roundsAtStop = rounds;
    const third = plant(join(root, `${prefix}third`));
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    expect(existsSync(third)).toBe(true);
    expect(rounds).toBe(roundsAtStop);
    await expect(reclaimer.sweepNow()).resolves.toEqual([]);
  });

  it('sweepNow runs a round at once, joins a running one, and stop() ends a running round', async () => {
    const swept = sweptQueue();
    reclaimer = startTemporaryReclaimer({
      roots: () => [root],
      intervalMs: 60 * 60 * 1000,
      temporaryPrefix: prefix,
      onSwept: swept.onSwept,
    });
    await reclaimer.sweepNow(); // in place of the round at start, which does not come on top of it
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    expect(swept.count).toBe(1);
    const path = plant(join(root, `${prefix}now`));
    const first = reclaimer.sweepNow();
    expect(reclaimer.sweepNow()).toBe(first);
    const results: readonly RootSweep[] = await first;
    expect(results).toEqual([{ root, result: expect.objectContaining({ removedFiles: 1 }) }]);
    expect(existsSync(path)).toBe(false);

    let release!: () => void;
    const blocked = new Promise<void>((resolveBlock) => (release = resolveBlock));
    const many = Array.from({ length: 5 }, (_, index) => plant(join(root, `d${index}`, `${prefix}m${index}`)));
    const stopping = startTemporaryReclaimer({
      roots: async () => (await blocked, [root]),
      intervalMs: 60 * 60 * 1000,
      temporaryPrefix: prefix,
      isActive: () => (stopping.stop(), false),
    });
    const round = stopping.sweepNow();
    release();
    const [outcome] = await round;
    expect(outcome?.result).toMatchObject({ removedFiles: 0, aborted: true });
    expect(many.every((manyPath) => existsSync(manyPath))).toBe(true);
  });

  it('reports errors to onError instead of throwing, and keeps going', async () => {
    const errors: [unknown, string | undefined][] = [];
    const swept = sweptQueue();
    let calls = 0;
    const path = plant(join(root, `${prefix}after-error`));
    reclaimer = startTemporaryReclaimer({
      roots: () => {
        calls += 1;
        if (calls === 1) throw new Error('no roots yet');
        return [root];
      },
      intervalMs: 10,
      temporaryPrefix: prefix,
      onSwept: (result, sweptRoot) => {
        swept.onSwept(result, sweptRoot);
        throw new Error('callback failed');
      },
      onError: (error, errorRoot) => errors.push([error, errorRoot]),
    });
    await swept.next();
    expect(existsSync(path)).toBe(false);
    expect(errors[0]).toEqual([new Error('no roots yet'), undefined]);
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[1]).toEqual([new Error('callback failed'), root]);
  });

  it('uses a day as the default age and refuses a bad interval', () => {
    expect(defaultTemporaryMaxAgeMs).toBe(day);
    expect(() => startTemporaryReclaimer({ roots: () => [], intervalMs: 0, temporaryPrefix: prefix })).toThrow(InvalidOptionError);
    expect(() => startTemporaryReclaimer({ roots: () => [], intervalMs: 2 ** 31, temporaryPrefix: prefix })).toThrow(InvalidOptionError);
  });
});
