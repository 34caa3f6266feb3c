import * as fs from 'node:fs';

/**
 * How an entry of an open directory is named in a system call. Node.js has no `openat(2)` family, so on Linux the
 * connector names an entry as `/proc/<pid>/fd/<directory descriptor>/<name>`: the kernel follows the descriptor's
 * magic link straight to the directory it was opened on (wherever that directory is now, whatever its path became)
 * and looks `<name>` up inside it, exactly as `openat(fd, name)` would. Nothing before the last name is resolved from
 * a path string again, so a directory checked once cannot be swapped for a symlink before it is used.
 *
 * `/proc/<pid>` rather than `/proc/self` spares the kernel the `self` link on every call. Where `/proc` is missing or
 * does not behave so (macOS, a container without procfs), entries are named by the directory's path as the connector
 * resolved it: the same in-root symlink resolution, but a concurrent swap of a directory on the way can be raced (the
 * README says exactly what holds there).
 */
export type EntryAddressing = { readonly kind: 'descriptor'; readonly prefix: string } | { readonly kind: 'path' };

let probed: EntryAddressing | undefined;

/**
 * How entries are addressed on this machine, found once with a probe on an open descriptor of "/" (a directory that
 * always opens: a probe on a user's root could fail for reasons of its own and must not decide for the process).
 */
export function entryAddressing(): EntryAddressing {
  if (probed !== undefined) return probed;
  for (const prefix of [`/proc/${process.pid}/fd/`, '/proc/self/fd/']) {
    let fd: number | undefined;
    try {
      fd = fs.openSync('/', fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      const opened = fs.fstatSync(fd);
      const named = fs.statSync(`${prefix}${fd}/.`);
      if (named.ino === opened.ino && named.dev === opened.dev) return (probed = { kind: 'descriptor', prefix });
    } catch {
      // Try the next form, then fall back to paths.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return (probed = { kind: 'path' });
}

/**
 * An open directory inside a session's root, shared by the operations that use it and closed when the last one lets
 * it go (`retain` / `release`).
 */
export class DirectoryHandle {
  readonly fd: number;
  /** Where the session found it below its root, every symlink on the way resolved; empty for the root. */
  readonly segments: readonly string[];
  /** What names this directory in a system call (see `EntryAddressing`). */
  readonly self: string;
  /**
   * When the walk that found it started from the root (Date.now()); a root is always current (+Infinity). A
   * directory reached from another inherits that one's time: its path is no fresher than the way to it.
   */
  readonly walkedAt: number;
  #references = 1;
  readonly #close: (fd: number) => void;

  constructor(fd: number, segments: readonly string[], self: string, close: (fd: number) => void, walkedAt = Number.POSITIVE_INFINITY) {
    this.fd = fd;
    this.segments = segments;
    this.self = self;
    this.#close = close;
    this.walkedAt = walkedAt;
  }

  /** The name of the entry `name` of this directory, for a system call that must not re-resolve the directory. */
  at(name: string): string {
    return `${this.self}/${name}`;
  }

  /** One more user of the descriptor. */
  retain(): this {
    this.#references++;
    return this;
  }

  /** One user fewer; the last closes the descriptor. */
  release(): void {
    if (--this.#references === 0) this.#close(this.fd);
  }
}

/** `O_RDONLY | O_DIRECTORY | O_NOFOLLOW`: opens a directory, never through a symlink (ENOTDIR or ELOOP instead). */
export const openDirectoryFlags = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;

/** How a directory opened as `fd` is named: through its descriptor, or by its path where there is no /proc. */
export function selfOf(fd: number, addressing: EntryAddressing, path: string): string {
  return addressing.kind === 'descriptor' ? `${addressing.prefix}${fd}` : path;
}
