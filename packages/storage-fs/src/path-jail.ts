import { lstatSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { storageError } from '@ftp/plugin-api';
import { errnoToStorageError, mapErrors } from './errno-to-storage-error.ts';
import type { FileCalls } from './file-calls.ts';

/** An existing entry, found inside the root. */
export interface ExistingPath {
  /** The last virtual segment; "" for the root. */
  readonly name: string;
  /** The entry itself (its parent resolved, the last segment not followed): what unlink, rmdir and rename act on. */
  readonly entryPath: string;
  /** Where the entry leads after following every symlink: what stat, read and utimes act on. */
  readonly realPath: string;
  /** The stat of `realPath` when the look-up already made it (the lstat of an entry that is no symlink). */
  readonly stats?: Stats | undefined;
}

/** A place to create or replace an entry, its parent directory found inside the root. */
export interface CreatablePath {
  readonly name: string;
  /** The real path of the parent directory joined with the last segment. */
  readonly entryPath: string;
  /** The real path of what exists there now, following an in-root symlink; undefined when nothing exists. */
  readonly existingRealPath: string | undefined;
  /** The stat of `existingRealPath` when the look-up already made it. */
  readonly existingStats?: Stats | undefined;
}

/** The identity of the root directory when the session opened (from its stat). */
export interface RootIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** A path found by `PathJail.walk`: every segment a real directory but maybe the last, missing when `stats` is. */
interface WalkedPath {
  readonly path: string;
  readonly stats: Stats | undefined;
}

/**
 * Keeps every operation of a session under one real directory. The server already normalises paths (no "..", always
 * absolute); this is defence in depth and, above all, the symlink check the server cannot do: a path is resolved with
 * realpath(3) and refused with EACCES when the result leaves the root, so a link planted in the root that points
 * outside cannot be read, listed, written, deleted, renamed or entered through. For paths that do not exist yet the
 * parent's real path is checked.
 *
 * On a local file system a path is first walked with one lstat(2) per segment below the root (see `walk`), which
 * proves the same for a path of plain directories at a fraction of realpath's cost; anything else on the way (a
 * link, a missing directory, an error) goes through realpath.
 *
 * A check and the use that follows are two system calls; a local user who swaps a directory for a symlink between
 * them could still win the race. FTP clients cannot create symlinks, so this needs local access to the root.
 */
export class PathJail {
  /** The root's own real path. */
  readonly root: string;
  private readonly temporaryPrefix: string;
  /** Where the look-ups run: on the calling thread (a few microseconds on a warm cache) or in the thread pool. */
  private readonly calls: FileCalls;
  private readonly rootIdentity: RootIdentity;

  constructor(realRoot: string, temporaryPrefix: string, calls: FileCalls, rootIdentity: RootIdentity) {
    this.root = realRoot;
    this.temporaryPrefix = temporaryPrefix;
    this.calls = calls;
    this.rootIdentity = rootIdentity;
  }

  /** realpath(3). */
  private realpathOf(path: string): Promise<string> {
    return this.calls.realpath(path);
  }

  /**
   * The fast look-up of a local file system: lstat(2) of the root and of each segment below it, on the event loop.
   * The root still being the directory the session opened with (same device and inode, not a link) means its real
   * path is still `root`, whatever happened to its ancestors; a segment that is a directory and no link keeps the path
   * real. So a path of plain directories is proven inside the root with one lstat per segment, where realpath(3)
   * made a readlink per segment and per ancestor of the root, and the last lstat is the entry's stat (lstat and stat
   * agree on what is not a link). A probe on tmpfs: 8 us for realpath of a directory one below the root, 3 us per
   * lstat. Undefined (take the realpath path, which reports the exact error) for anything else: a link on the way or
   * at the end, a missing or non-directory ancestor, a replaced root, any system error.
   */
  private walk(segments: readonly string[]): WalkedPath | undefined {
    try {
      let stats = lstatSync(this.root, { throwIfNoEntry: false });
      if (stats === undefined || stats.ino !== this.rootIdentity.ino || stats.dev !== this.rootIdentity.dev) return undefined;
      let path = this.root;
      for (let index = 0; index < segments.length; index++) {
        if (!stats.isDirectory()) return undefined;
        path = join(path, segments[index]!);
        stats = lstatSync(path, { throwIfNoEntry: false });
        if (stats === undefined) return index === segments.length - 1 ? { path, stats } : undefined;
        if (stats.isSymbolicLink()) return undefined;
      }
      return { path, stats };
    } catch {
      return undefined;
    }
  }

  /** lstat, or undefined when nothing is there. */
  private lstatOf(path: string): Promise<Stats | undefined> {
    return this.calls.lstat(path);
  }

  /** Validates a virtual path and returns its segments: absolute, no NUL, no "." or "..", no temporary names. */
  segments(virtualPath: string): string[] {
    if (!virtualPath.startsWith('/') || virtualPath.includes('\0')) throw storageError('EBADNAME', virtualPath);
    const segments = virtualPath.split('/').filter((segment) => segment !== '');
    for (const segment of segments) {
      if (segment === '.' || segment === '..' || segment.startsWith(this.temporaryPrefix)) {
        throw storageError('EBADNAME', virtualPath);
      }
    }
    return segments;
  }

  /** True when `realPath` is the root or below it. */
  contains(realPath: string): boolean {
    const rootWithSeparator = this.root.endsWith(sep) ? this.root : this.root + sep;
    return realPath === this.root || realPath.startsWith(rootWithSeparator);
  }

  /** The real path of `lexicalPath`, refused with EACCES when it leaves the root. */
  private async resolveInside(lexicalPath: string, virtualPath: string): Promise<string> {
    const resolved = await mapErrors(virtualPath, () => this.realpathOf(lexicalPath));
    if (!this.contains(resolved)) throw storageError('EACCES', virtualPath);
    return resolved;
  }

  /** Finds an existing entry; ENOENT when missing, EACCES when it or its parent leads out of the root. */
  async existing(virtualPath: string): Promise<ExistingPath> {
    const segments = this.segments(virtualPath);
    const walked = this.calls.direct && segments.length > 0 ? this.walk(segments) : undefined;
    const name = segments.pop();
    if (name === undefined) return { name: '', entryPath: this.root, realPath: this.root };
    if (walked?.stats !== undefined) return { name, entryPath: walked.path, realPath: walked.path, stats: walked.stats };
    // Nothing there and the parent proven inside (a new upload's target): no system error is built for the miss, which
    // costs more than the look-up itself.
    if (walked !== undefined) throw storageError('ENOENT', virtualPath);
    // A path without any symlink resolves to itself, so its parent is its own real path too; anything else takes the
    // two-step path for the exact error.
    const lexicalPath = join(this.root, ...segments, name);
    const direct = await this.realpathOf(lexicalPath).catch(() => undefined);
    if (direct === lexicalPath) return { name, entryPath: lexicalPath, realPath: lexicalPath };
    const parent = await this.resolveInside(join(this.root, ...segments), virtualPath);
    const entryPath = join(parent, name);
    const realPath = await this.resolveInside(entryPath, virtualPath);
    return { name, entryPath, realPath };
  }

  /**
   * Finds where `virtualPath` would be created. ENOENT when the parent is missing, EACCES when the parent leads out
   * of the root or an existing entry is a symlink leading out of it (or nowhere: writing through a dangling link
   * would create its target, wherever it points).
   */
  async creatable(virtualPath: string): Promise<CreatablePath> {
    const segments = this.segments(virtualPath);
    const walked = this.calls.direct && segments.length > 0 ? this.walk(segments) : undefined;
    const name = segments.pop();
    if (name === undefined) return { name: '', entryPath: this.root, existingRealPath: this.root };
    if (walked !== undefined) {
      const { path, stats } = walked;
      return { name, entryPath: path, existingRealPath: stats === undefined ? undefined : path, existingStats: stats };
    }
    const parent = await this.resolveInside(join(this.root, ...segments), virtualPath);
    const entryPath = join(parent, name);
    let linkStats: Stats | undefined;
    try {
      linkStats = await this.lstatOf(entryPath);
    } catch (error) {
      throw errnoToStorageError(error, virtualPath);
    }
    if (linkStats === undefined) return { name, entryPath, existingRealPath: undefined };
    if (!linkStats.isSymbolicLink()) return { name, entryPath, existingRealPath: entryPath };
    try {
      const target = await this.realpathOf(entryPath);
      if (this.contains(target)) return { name, entryPath, existingRealPath: target };
    } catch {
      // A dangling link is refused below like an escaping one.
    }
    throw storageError('EACCES', virtualPath);
  }
}

/** Opens the jail of a root directory, which must exist; `rootIdentity` is from its stat. */
export async function openPathJail(root: string, temporaryPrefix: string, calls: FileCalls, rootIdentity: RootIdentity): Promise<PathJail> {
  return new PathJail(await calls.realpath(root), temporaryPrefix, calls, rootIdentity);
}
