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
}

/** A place to create or replace an entry, its parent directory found inside the root. */
export interface CreatablePath {
  readonly name: string;
  /** The real path of the parent directory joined with the last segment. */
  readonly entryPath: string;
  /** The real path of what exists there now, following an in-root symlink; undefined when nothing exists. */
  readonly existingRealPath: string | undefined;
}

/**
 * Keeps every operation of a session under one real directory. The server already normalises paths (no "..", always
 * absolute); this is defence in depth and, above all, the symlink check the server cannot do: a path is resolved with
 * realpath(3) and refused with EACCES when the result leaves the root, so a link planted in the root that points
 * outside cannot be read, listed, written, deleted, renamed or entered through. For paths that do not exist yet the
 * parent's real path is checked.
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

  constructor(realRoot: string, temporaryPrefix: string, calls: FileCalls) {
    this.root = realRoot;
    this.temporaryPrefix = temporaryPrefix;
    this.calls = calls;
  }

  /** realpath(3). */
  private realpathOf(path: string): Promise<string> {
    return this.calls.realpath(path);
  }

  /** Whether lstat finds an entry; an unusual failure counts as present, so the full resolution reports it. */
  private presentSync(path: string): boolean {
    try {
      return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
    } catch {
      return true;
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
    const name = segments.pop();
    if (name === undefined) return { name: '', entryPath: this.root, realPath: this.root };
    // Common case in one look-up: a path without any symlink resolves to itself, so its parent is its own real
    // path too. Anything else (a link on the way, a missing entry) takes the two-step path for the exact error.
    const lexicalPath = join(this.root, ...segments, name);
    if (this.calls.direct && !this.presentSync(lexicalPath)) {
      // Nothing there (a new upload's target): the parent's check alone decides between EACCES and ENOENT, and no
      // system error is built for the miss, which costs more than the look-up itself.
      await this.resolveInside(join(this.root, ...segments), virtualPath);
      throw storageError('ENOENT', virtualPath);
    }
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
    const name = segments.pop();
    if (name === undefined) return { name: '', entryPath: this.root, existingRealPath: this.root };
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

/** Opens the jail of a root directory, which must exist. */
export async function openPathJail(root: string, temporaryPrefix: string, calls: FileCalls): Promise<PathJail> {
  return new PathJail(await calls.realpath(root), temporaryPrefix, calls);
}
