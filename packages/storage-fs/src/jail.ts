import { constants, type Stats } from 'node:fs';
import { StorageError, storageError } from '@ftp/plugin-api';
import { DirectoryHandle, entryAddressing, openDirectoryFlags, selfOf, type EntryAddressing } from './directory-handle.ts';
import { errnoOf, errnoToStorageError } from './errno-to-storage-error.ts';
import { isTemporaryName } from './entry-visibility.ts';
import type { FileCalls } from './file-calls.ts';

/** Bounds on the work one path may cause, so that no path a user can make costs without limit. */
export interface JailLimits {
  /** Segments of a virtual path; a longer one is refused (`EBADNAME`). */
  readonly maxPathSegments: number;
  /** Symlinks followed while resolving one path, as the kernel's own limit (40); more reads as a loop (`ENOENT`). */
  readonly maxLinkHops: number;
  /** Directories opened (and `..` taken) for one path, links included; more is refused (`EBADNAME`). */
  readonly maxSteps: number;
  /** Directories opened on the event loop before the walk lets other sessions run (a local file system). */
  readonly stepsPerTurn: number;
  /** How long the anchor is used before its path is walked again from the root (see `Jail`). */
  readonly anchorLifetimeMs: number;
}

const defaultJailLimits: JailLimits = {
  maxPathSegments: 4096,
  maxLinkHops: 40,
  maxSteps: 16_384,
  stepsPerTurn: 64,
  anchorLifetimeMs: 1_000,
};

/** The parent directory of an entry, held open, and the entry's name in it ("" for the root itself). */
export interface Located {
  /** Retained for the caller, who must `release()` it. */
  readonly parent: DirectoryHandle;
  readonly name: string;
  /** The entry's lstat; undefined when nothing is there. For the root, its fstat. */
  readonly stats: Stats | undefined;
}

/** The work done so far for one path. */
export interface Budget {
  steps: number;
  links: number;
}

/** A path that names nothing: ENOENT without the cost of a system error object for the miss. */
function missing(virtualPath: string): Error {
  return storageError('ENOENT', virtualPath);
}

/** The segments of a symlink's target read in `directory`: absolute targets start at the user's root, as in a chroot. */
function targetSegments(directory: readonly string[], target: string): string[] {
  const segments = target.startsWith('/') ? [] : [...directory];
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    // ".." never climbs above the user's root: the root is its own parent, as "/.." is in a chroot.
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments;
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  if (prefix.length > of.length) return false;
  for (let index = 0; index < prefix.length; index++) if (prefix[index] !== of[index]) return false;
  return true;
}

/**
 * Keeps every operation of a session inside one directory, by construction: the root is opened once and held, and
 * every path is walked from an open directory to the next, one segment at a time, each opened with `O_NOFOLLOW` and
 * addressed through its parent's descriptor (see `EntryAddressing`), never by re-resolving a path string from the
 * root. What was checked is what is used: an operation acts on the directory handle the walk produced, so swapping a
 * directory on the way for a symlink, before or during the operation, changes nothing it touches.
 *
 * Symlinks work as they would inside a chroot at the user's root: the connector reads the link and resolves its
 * target itself, an absolute target from the user's "/", and ".." never above it. So a link can only lead somewhere
 * inside the root, whoever planted it and wherever it points on the host.
 *
 * The session keeps the directory it last worked in open (its anchor), and paths below it are walked from there: a
 * session working deep in a tree pays for the segments below the anchor, not for its depth. Like a process's working
 * directory, the anchor stays the directory it was; but it is walked to again from the root once it is older than
 * `anchorLifetimeMs` (a second), so a directory renamed or replaced on disk by someone else is followed within that
 * time, at the cost of one walk a second for a session working deep. Renames and removals by the session itself drop
 * it at once, and so does finding it removed (by anyone) when a name is missing in it.
 *
 * The walk's work is bounded (`JailLimits`), and on the event loop it lets other sessions run every
 * `stepsPerTurn` directories, so no path holds the event loop for more than a fraction of a millisecond.
 */
export class Jail {
  readonly root: DirectoryHandle;
  readonly #calls: FileCalls;
  readonly #addressing: EntryAddressing;
  readonly #temporaryPrefix: string;
  readonly #limits: JailLimits;
  #anchor: DirectoryHandle | undefined;
  /** The virtual path the anchor was asked for (links in it unresolved), and its number of segments. */
  #anchorPath: string | undefined;
  #anchorDepth = 0;

  constructor(root: DirectoryHandle, calls: FileCalls, addressing: EntryAddressing, temporaryPrefix: string, limits: JailLimits) {
    this.root = root;
    this.#calls = calls;
    this.#addressing = addressing;
    this.#temporaryPrefix = temporaryPrefix;
    this.#limits = limits;
  }

  /** The most symlinks one path may follow. */
  get maxLinkHops(): number {
    return this.#limits.maxLinkHops;
  }

  /** Validates a virtual path and returns its segments: absolute, no NUL, no "." or "..", no temporary names. */
  segments(virtualPath: string): string[] {
    if (!virtualPath.startsWith('/') || virtualPath.includes('\0')) throw storageError('EBADNAME', virtualPath);
    const segments = virtualPath.split('/').filter((segment) => segment !== '');
    if (segments.length > this.#limits.maxPathSegments) throw storageError('EBADNAME', virtualPath);
    for (const segment of segments) {
      if (segment === '.' || segment === '..' || isTemporaryName(segment, this.#temporaryPrefix)) {
        throw storageError('EBADNAME', virtualPath);
      }
    }
    return segments;
  }

  /**
   * The parent directory of `virtualPath`, held open, and the last segment, not followed: what unlink, rmdir, mkdir
   * and rename act on. The root's parent is the root itself, with the name "".
   */
  async locate(virtualPath: string): Promise<Located> {
    const nameInAnchor = this.#nameInAnchor(virtualPath);
    if (nameInAnchor !== undefined) {
      const found = await this.#entryOf(this.#anchor!.retain(), nameInAnchor, virtualPath);
      // A miss in a directory that was removed (and maybe made anew) since: walk the path again.
      if (found.stats !== undefined || !(await this.#anchorRemoved())) return found;
      found.parent.release();
      this.forgetAnchor();
    }
    const segments = this.segments(virtualPath);
    const name = segments.pop();
    const budget: Budget = { steps: 0, links: 0 };
    if (name === undefined) return { parent: this.root.retain(), name: '', stats: await this.#calls.fstat(this.root.fd) };
    const parent = await this.#open(segments, budget, virtualPath);
    this.#remember(parent, virtualPath.slice(0, virtualPath.lastIndexOf('/')), segments.length);
    return this.#entryOf(parent, name, virtualPath);
  }

  /** The entry `name` of `parent` (which the result takes over) with its lstat. */
  async #entryOf(parent: DirectoryHandle, name: string, virtualPath: string): Promise<Located> {
    try {
      return { parent, name, stats: await this.#calls.lstat(parent.at(name)) };
    } catch (error) {
      parent.release();
      throw errnoToStorageError(error, virtualPath);
    }
  }

  /**
   * Like `locate`, then follows the entry while it is a symlink, to what it names inside the root: what stat, read,
   * write and utimes act on. A dangling link resolves to where its target would be (`stats` undefined).
   */
  async resolve(virtualPath: string): Promise<Located> {
    const located = await this.locate(virtualPath);
    return this.follow(located, virtualPath, { steps: 0, links: 0 });
  }

  /**
   * Follows `located` (whose parent it takes over) while its entry is a symlink. `budget` carries the links already
   * followed for this path, for callers that met a link only when opening the entry.
   */
  async follow(located: Located, virtualPath: string, budget: Budget = { steps: 0, links: 0 }): Promise<Located> {
    let { parent, name, stats } = located;
    try {
      while (stats?.isSymbolicLink() === true) {
        if (++budget.links > this.#limits.maxLinkHops) throw storageError('ENOENT', virtualPath);
        const target = await this.#calls.readlink(parent.at(name));
        const segments = targetSegments(parent.segments, target);
        const last = segments.pop();
        const next = await this.#open(segments, budget, virtualPath, parent);
        parent.release();
        if (last === undefined) {
          // The link names the root (or "/.." and the like): the root itself, as `locate("/")` gives it.
          next.release();
          parent = this.root.retain();
          return { parent, name: '', stats: await this.#calls.fstat(this.root.fd) };
        }
        parent = next;
        name = last;
        stats = await this.#calls.lstat(parent.at(name));
      }
      return { parent, name, stats };
    } catch (error) {
      parent.release();
      throw errnoToStorageError(error, virtualPath);
    }
  }

  /** Opens the directory `virtualPath` names, following symlinks inside the root; the caller releases it. */
  async directory(virtualPath: string): Promise<DirectoryHandle> {
    if (virtualPath === this.#freshAnchorPath()) {
      if (!(await this.#anchorRemoved())) return this.#anchor!.retain();
      this.forgetAnchor();
    }
    const segments = this.segments(virtualPath);
    if (segments.length === 0) return this.root.retain();
    const handle = await this.#open(segments, { steps: 0, links: 0 }, virtualPath);
    this.#remember(handle, virtualPath, segments.length);
    return handle;
  }

  /**
   * Creates the missing directories of `virtualPath` (mkdir -p inside the root, never through a dangling link) and
   * opens the last; the caller releases it.
   */
  async makeDirectories(virtualPath: string, mode: number): Promise<DirectoryHandle> {
    const segments = this.segments(virtualPath);
    let current = this.root.retain();
    try {
      for (let depth = 0; depth < segments.length; depth++) {
        await this.#calls.mkdir(current.at(segments[depth]!), mode).catch((error: unknown) => {
          if (errnoOf(error) !== 'EEXIST') throw error;
        });
        const next = await this.#open(segments.slice(0, depth + 1), { steps: 0, links: 0 }, virtualPath, current);
        current.release();
        current = next;
      }
      return current;
    } catch (error) {
      current.release();
      throw errnoToStorageError(error, virtualPath);
    }
  }

  /**
   * The jail of the directory `rootDirectory` names in this one (a user's root within the connector's, as an
   * authenticator set it): reached by the in-root walk, created first when it is missing and `createMode` is given,
   * and made the new root, so nothing above it can be reached any more, not even by a link. Opened before any mkdir,
   * since it exists at nearly every login. This jail may be closed at once: the new one holds its own handle.
   */
  async narrowed(rootDirectory: string, createMode: number | undefined): Promise<Jail> {
    let handle: DirectoryHandle;
    try {
      handle = await this.directory(rootDirectory);
    } catch (error) {
      if (createMode === undefined || !StorageError.isInstance(error) || error.storageCode !== 'ENOENT') throw error;
      handle = await this.makeDirectories(rootDirectory, createMode);
    }
    const root = new DirectoryHandle(handle.fd, [], handle.self, () => handle.release());
    return new Jail(root, this.#calls, this.#addressing, this.#temporaryPrefix, this.#limits);
  }

  /** Forgets the anchor: the session renamed or removed something a remembered path may go through. */
  forgetAnchor(): void {
    this.#anchor?.release();
    this.#anchor = undefined;
    this.#anchorPath = undefined;
  }

  /** Lets go of the root and the anchor; operations still running keep what they hold. */
  close(): void {
    this.forgetAnchor();
    this.root.release();
  }

  /** Makes `handle`, found for the virtual path `asked` of `depth` segments, the anchor (where the session works). */
  #remember(handle: DirectoryHandle, asked: string, depth: number): void {
    if (handle === this.#anchor || handle.segments.length === 0) return;
    this.#anchor?.release();
    this.#anchor = handle.retain();
    this.#anchorPath = asked;
    this.#anchorDepth = depth;
  }

  /** True while `handle` was walked to from the root less than the anchor's lifetime ago. */
  #isFresh(handle: DirectoryHandle): boolean {
    return Date.now() - handle.walkedAt <= this.#limits.anchorLifetimeMs;
  }

  /** The anchor path while the anchor is fresh; an older anchor is forgotten first. */
  #freshAnchorPath(): string | undefined {
    if (this.#anchor !== undefined && !this.#isFresh(this.#anchor)) this.forgetAnchor();
    return this.#anchorPath;
  }

  /**
   * True when the anchor directory has been removed (a removed directory has no links left): its path may name a new
   * directory by now, which only a fresh walk finds. Asked on a miss only, so a hit costs nothing more.
   */
  async #anchorRemoved(): Promise<boolean> {
    const anchor = this.#anchor;
    if (anchor === undefined) return false;
    try {
      return (await this.#calls.fstat(anchor.fd)).nlink === 0;
    } catch {
      return true;
    }
  }

  /**
   * The last segment of `virtualPath` when the rest is the anchor's path exactly: the usual command of a session
   * working in one directory, found without splitting or walking its whole path. Undefined for anything else,
   * which takes the full walk (and its validation).
   */
  #nameInAnchor(virtualPath: string): string | undefined {
    const anchorPath = this.#freshAnchorPath();
    if (anchorPath === undefined || this.#anchorDepth >= this.#limits.maxPathSegments) return undefined;
    if (virtualPath.length <= anchorPath.length + 1 || virtualPath.charCodeAt(anchorPath.length) !== 0x2f) return undefined;
    // slice and ===, not startsWith: on a path built by concatenation V8's startsWith compares character by character,
    // while slicing flattens it once and === compares memory.
    if (virtualPath.slice(0, anchorPath.length) !== anchorPath) return undefined;
    const name = virtualPath.slice(anchorPath.length + 1);
    if (name.includes('/') || name.includes('\0') || name === '.' || name === '..' || isTemporaryName(name, this.#temporaryPrefix)) {
      return undefined;
    }
    return name;
  }

  /**
   * Opens the directory at `segments` below the root, resolving symlinks inside it, and returns it retained. Starts
   * from the deepest open directory that is a prefix of the way: `near` (where a link was read), the anchor, or the
   * root.
   */
  async #open(segments: readonly string[], budget: Budget, virtualPath: string, near?: DirectoryHandle): Promise<DirectoryHandle> {
    let wanted = segments;
    let current = this.#startFor(wanted, near);
    try {
      let depth = current.segments.length;
      while (depth < wanted.length) {
        if (++budget.steps > this.#limits.maxSteps) throw storageError('EBADNAME', virtualPath);
        if (this.#calls.direct && budget.steps % this.#limits.stepsPerTurn === 0) await new Promise(setImmediate);
        const name = wanted[depth]!;
        const entry = current.at(name);
        let fd: number;
        try {
          fd = await this.#calls.open(entry, openDirectoryFlags);
        } catch (error) {
          const errno = errnoOf(error);
          if (errno === 'ENOENT') throw missing(virtualPath);
          // O_NOFOLLOW|O_DIRECTORY on a symlink fails with ENOTDIR (or ELOOP); lstat tells a link from a file.
          if (errno !== 'ENOTDIR' && errno !== 'ELOOP') throw error;
          const stats = await this.#calls.lstat(entry);
          if (stats?.isSymbolicLink() !== true) throw storageError('ENOTDIR', virtualPath);
          if (++budget.links > this.#limits.maxLinkHops) throw storageError('ENOENT', virtualPath);
          const target = targetSegments(current.segments, await this.#calls.readlink(entry));
          wanted = [...target, ...wanted.slice(depth + 1)];
          const restart = this.#startFor(wanted, current);
          current.release();
          current = restart;
          depth = current.segments.length;
          continue;
        }
        const walkedAt = Math.min(current.walkedAt, Date.now());
        const next = new DirectoryHandle(fd, wanted.slice(0, depth + 1), selfOf(fd, this.#addressing, entry), this.#closer, walkedAt);
        current.release();
        current = next;
        depth++;
      }
      return current;
    } catch (error) {
      current.release();
      throw errnoToStorageError(error, virtualPath);
    }
  }

  /** The deepest of `near`, the anchor and the root whose segments start `wanted`, retained. */
  #startFor(wanted: readonly string[], near: DirectoryHandle | undefined): DirectoryHandle {
    let best = this.root;
    const anchor = this.#anchor !== undefined && this.#isFresh(this.#anchor) ? this.#anchor : undefined;
    for (const candidate of [near, anchor]) {
      if (candidate !== undefined && candidate.segments.length > best.segments.length && isPrefix(candidate.segments, wanted)) {
        best = candidate;
      }
    }
    return best.retain();
  }

  readonly #closer = (fd: number): void => {
    this.#calls.close(fd).catch(() => {});
  };
}

/**
 * Opens the jail of the directory `rootPath` (an operator's path, links in it followed as the operator made them):
 * held open for the whole session. Returns the root's stats too, so that a session needs no second look at it.
 */
export async function openJail(
  rootPath: string,
  calls: FileCalls,
  temporaryPrefix: string,
): Promise<{ readonly jail: Jail; readonly rootStats: Stats }> {
  const addressing = entryAddressing();
  // O_DIRECTORY: a root that is not a directory (a FIFO would block an O_RDONLY open) fails with ENOTDIR at once.
  const fd = await calls.open(rootPath, constants.O_RDONLY | constants.O_DIRECTORY);
  const close = (descriptor: number): void => {
    calls.close(descriptor).catch(() => {});
  };
  try {
    const rootStats = await calls.fstat(fd);
    if (!rootStats.isDirectory()) throw storageError('ENOTDIR', '/');
    const self = addressing.kind === 'descriptor' ? selfOf(fd, addressing, rootPath) : await calls.realpath(rootPath);
    return { jail: new Jail(new DirectoryHandle(fd, [], self, close), calls, addressing, temporaryPrefix, defaultJailLimits), rootStats };
  } catch (error) {
    close(fd);
    throw error;
  }
}
