import {
  FtpError,
  StorageError,
  storageError,
  type ChecksumAlgorithm,
  type FileEntry,
  type QuotaFolder,
  type ReadOptions,
  type ReadSource,
  type StorageCallOptions,
  type StorageSessionV1,
  type WriteOptions,
  type WriteResult,
} from '@ftp/plugin-api';
import { moveAcrossMounts } from './cross-mount-move.ts';
import { baseName, childPath, isWithin, pathInside } from './mount-paths.ts';

/** One opened mount of a session. */
export interface OpenedMount {
  /** Where it appears in the user's tree ("/", "/archive"). */
  readonly path: string;
  readonly session: StorageSessionV1;
  /** Whether a file may be moved to or from another mount by copying it. */
  readonly crossMountRename: boolean;
}

type OptionalMethod = 'append' | 'rename' | 'setModifiedTime' | 'checksum' | 'setMode' | 'freeSpace';

/** What the client reads for a command whose optional storage method the mount at the path lacks. */
const unsupportedText: Record<Exclude<OptionalMethod, 'checksum' | 'rename'>, string> = {
  append: 'APPE',
  setModifiedTime: 'MFMT',
  setMode: 'SITE CHMOD',
  freeSpace: 'AVBL',
};

/**
 * The mount at a path lacks the optional method the command needs, though another mount of the tree has it (so the
 * server offers the command): 502, as the server answers for a storage without it (RFC 959 §4.2), for this mount only.
 */
function notSupportedHere(what: string, mountPath: string): FtpError {
  return new FtpError('FTP_ERR_MOUNT_NOT_SUPPORTED', `${what} is not supported on the mount ${mountPath}.`, {
    replyCode: 502,
    expose: true,
  });
}

/**
 * The storage session of one user whose tree is made of several mounts. Each path belongs to the deepest mount
 * containing it; mount points, and the directories leading to them, are directories of the tree whatever the mount
 * above them holds there. An optional method is offered when at least one mount has it, and refused where the
 * mount at the path lacks it.
 */
export class MountedSession implements StorageSessionV1 {
  /** Deepest first, so the first mount containing a path is the one that serves it. */
  readonly #mounts: readonly OpenedMount[];
  /** Every mount point but "/", and every directory above one: the directories the mounts themselves make. */
  readonly #mountDirectories: ReadonlySet<string>;
  readonly #openedAt = new Date();

  declare append?: (path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions) => Promise<WriteResult>;
  declare rename?: (from: string, to: string, options: StorageCallOptions) => Promise<void>;
  declare setModifiedTime?: (path: string, time: Date, options: StorageCallOptions) => Promise<void>;
  declare checksum?: (path: string, algorithm: ChecksumAlgorithm, options: StorageCallOptions) => Promise<string>;
  declare setMode?: (path: string, mode: number, options: StorageCallOptions) => Promise<void>;
  declare freeSpace?: (path: string, options: StorageCallOptions) => Promise<number>;
  declare quotaFolders?: () => readonly QuotaFolder[];

  /**
   * `quotaFolders`: the mounts with a quota of their own, at their mount points. Without any, the session has no
   * `quotaFolders` method, so every file counts against the user as before.
   */
  constructor(mounts: readonly OpenedMount[], quotaFolders: readonly QuotaFolder[] = []) {
    this.#mounts = [...mounts].sort((a, b) => b.path.length - a.path.length);
    const directories = new Set<string>();
    for (const { path } of mounts) {
      for (let directory = path; directory !== '/'; directory = directory.slice(0, directory.lastIndexOf('/')) || '/') {
        directories.add(directory);
      }
    }
    this.#mountDirectories = directories;
    const offered = (name: OptionalMethod) => mounts.some((mount) => typeof mount.session[name] === 'function');
    if (offered('append')) this.append = (path, data, options) => this.#append(path, data, options);
    if (offered('rename')) this.rename = (from, to, options) => this.#rename(from, to, options);
    if (offered('setModifiedTime')) this.setModifiedTime = (path, time, options) => this.#setModifiedTime(path, time, options);
    if (offered('checksum')) this.checksum = (path, algorithm, options) => this.#checksum(path, algorithm, options);
    if (offered('setMode')) this.setMode = (path, mode, options) => this.#setMode(path, mode, options);
    if (offered('freeSpace')) this.freeSpace = (path, options) => this.#freeSpace(path, options);
    if (quotaFolders.length > 0) {
      const folders = Object.freeze(quotaFolders.map((folder) => Object.freeze({ ...folder })));
      this.quotaFolders = () => folders;
    }
  }

  /** The mount serving `path`, and the path as that mount sees it. */
  #resolve(path: string): { readonly mount: OpenedMount; readonly inner: string } {
    const mount = this.#mounts.find((candidate) => isWithin(path, candidate.path));
    // "/" is always mounted (the connector checks it), so only a path that is not absolute gets here.
    if (mount === undefined) throw storageError('ENOENT', path);
    return { mount, inner: pathInside(path, mount.path) };
  }

  /** The optional method of the mount serving `path`, or the refusal for a mount without it. */
  #optional<Name extends Exclude<OptionalMethod, 'checksum' | 'rename'>>(
    path: string,
    name: Name,
  ): { readonly method: NonNullable<StorageSessionV1[Name]>; readonly inner: string } {
    const { mount, inner } = this.#resolve(path);
    const method = mount.session[name];
    if (typeof method !== 'function') throw notSupportedHere(unsupportedText[name], mount.path);
    return { method: (method as (...parameters: never[]) => unknown).bind(mount.session) as NonNullable<StorageSessionV1[Name]>, inner };
  }

  /** True for a mount point other than "/", or a directory above one. */
  #isMountDirectory(path: string): boolean {
    return this.#mountDirectories.has(path);
  }

  /** The names directly inside `directory` that are mount points or lead to one. */
  #mountChildren(directory: string): Set<string> {
    const names = new Set<string>();
    const prefix = directory === '/' ? '/' : `${directory}/`;
    for (const path of this.#mountDirectories) {
      if (path.startsWith(prefix) && !path.slice(prefix.length).includes('/')) names.add(path.slice(prefix.length));
    }
    return names;
  }

  #mountAt(path: string): OpenedMount | undefined {
    return this.#mounts.find((mount) => mount.path === path);
  }

  /** A directory the mounts make where the mount above holds nothing there. */
  #madeDirectory(path: string): FileEntry {
    return { name: baseName(path), type: 'directory', size: 0, modifiedAt: this.#openedAt };
  }

  async stat(path: string, options: StorageCallOptions): Promise<FileEntry> {
    const { mount, inner } = this.#resolve(path);
    try {
      const entry = await mount.session.stat(inner, options);
      if (inner === '/') return { ...entry, name: baseName(path) };
      // A file of the mount above where the mounts need a directory is hidden by them.
      if (entry.type !== 'directory' && this.#isMountDirectory(path)) return this.#madeDirectory(path);
      return entry;
    } catch (error) {
      if (this.#isMountDirectory(path) && isStorageCode(error, 'ENOENT', 'ENOTDIR')) return this.#madeDirectory(path);
      throw error;
    }
  }

  async *list(path: string, options: StorageCallOptions): AsyncIterable<FileEntry> {
    const { mount, inner } = this.#resolve(path);
    const mountChildren = this.#mountChildren(path);
    const shownByMount = new Set<string>();
    try {
      for await (const entry of mount.session.list(inner, options)) {
        if (!mountChildren.has(entry.name)) yield entry;
        else if (entry.type === 'directory' && this.#mountAt(childPath(path, entry.name)) === undefined) {
          // A directory of this mount that leads to a deeper mount point: its own entry stands for it.
          shownByMount.add(entry.name);
          yield entry;
        }
      }
    } catch (error) {
      if (!(mountChildren.size > 0 && isStorageCode(error, 'ENOENT', 'ENOTDIR'))) throw error;
    }
    for (const name of mountChildren) {
      if (shownByMount.has(name)) continue;
      const child = childPath(path, name);
      const childMount = this.#mountAt(child);
      yield childMount === undefined ? this.#madeDirectory(child) : await this.#mountPointEntry(childMount, options);
    }
  }

  /** A mount point as its parent lists it: the mount's root under the mount point's name. */
  async #mountPointEntry(mount: OpenedMount, options: StorageCallOptions): Promise<FileEntry> {
    try {
      return { ...(await mount.session.stat('/', options)), name: baseName(mount.path) };
    } catch (error) {
      // The listing of the directory above stays whole while one mount's store cannot be reached.
      if (isStorageCode(error, 'EUNAVAILABLE')) return this.#madeDirectory(mount.path);
      throw error;
    }
  }

  read(path: string, options: ReadOptions): Promise<ReadSource> {
    if (this.#isMountDirectory(path)) return Promise.reject(storageError('EISDIR', path));
    const { mount, inner } = this.#resolve(path);
    return mount.session.read(inner, options);
  }

  write(path: string, data: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult> {
    if (this.#isMountDirectory(path)) return Promise.reject(storageError('EISDIR', path));
    const { mount, inner } = this.#resolve(path);
    return mount.session.write(inner, data, options);
  }

  async delete(path: string, options: StorageCallOptions): Promise<void> {
    if (this.#isMountDirectory(path)) throw storageError('EISDIR', path);
    const { mount, inner } = this.#resolve(path);
    await mount.session.delete(inner, options);
  }

  async makeDirectory(path: string, options: StorageCallOptions): Promise<void> {
    if (this.#isMountDirectory(path)) throw storageError('EEXIST', path);
    const { mount, inner } = this.#resolve(path);
    await mount.session.makeDirectory(inner, options);
  }

  async removeDirectory(path: string, options: StorageCallOptions): Promise<void> {
    // A mount point is the operator's to remove; a directory leading to one is never empty.
    if (this.#mountAt(path) !== undefined) throw storageError('EACCES', path);
    if (this.#isMountDirectory(path)) throw storageError('ENOTEMPTY', path);
    const { mount, inner } = this.#resolve(path);
    await mount.session.removeDirectory(inner, options);
  }

  async #append(path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions): Promise<WriteResult> {
    if (this.#isMountDirectory(path)) throw storageError('EISDIR', path);
    const { method, inner } = this.#optional(path, 'append');
    return method(inner, data, options);
  }

  async #rename(from: string, to: string, options: StorageCallOptions): Promise<void> {
    // Moving a mount point, or a directory holding one (every directory above a mount point is one of the mounts'
    // directories), would move what the operator mounted; so would moving something onto one.
    if (this.#isMountDirectory(from) || this.#isMountDirectory(to)) throw storageError('EACCES', from);
    const source = this.#resolve(from);
    const target = this.#resolve(to);
    if (source.mount === target.mount) {
      const rename = source.mount.session.rename;
      if (typeof rename !== 'function') throw notSupportedHere('Renaming', source.mount.path);
      return rename.call(source.mount.session, source.inner, target.inner, options);
    }
    if (!source.mount.crossMountRename || !target.mount.crossMountRename) {
      throw new FtpError('FTP_ERR_MOUNT_RENAME', `Cannot move between the mounts ${source.mount.path} and ${target.mount.path}.`, {
        replyCode: 553,
        expose: true,
      });
    }
    await moveAcrossMounts(source, target, options);
  }

  async #setModifiedTime(path: string, time: Date, options: StorageCallOptions): Promise<void> {
    const { method, inner } = this.#optional(path, 'setModifiedTime');
    await method(inner, time, options);
  }

  async #checksum(path: string, algorithm: ChecksumAlgorithm, options: StorageCallOptions): Promise<string> {
    if (this.#isMountDirectory(path)) throw storageError('EISDIR', path);
    const { mount, inner } = this.#resolve(path);
    const checksum = mount.session.checksum;
    // ENOTSUP: the server hashes the content through `read` itself, as for a storage without checksum().
    if (typeof checksum !== 'function') throw storageError('ENOTSUP', path);
    return checksum.call(mount.session, inner, algorithm, options);
  }

  async #setMode(path: string, mode: number, options: StorageCallOptions): Promise<void> {
    const { method, inner } = this.#optional(path, 'setMode');
    await method(inner, mode, options);
  }

  async #freeSpace(path: string, options: StorageCallOptions): Promise<number> {
    const { method, inner } = this.#optional(path, 'freeSpace');
    return method(inner, options);
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.#mounts.map((mount) => mount.session.close?.()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}

function isStorageCode(error: unknown, ...codes: readonly string[]): boolean {
  return StorageError.isInstance(error) && codes.includes(error.storageCode);
}
