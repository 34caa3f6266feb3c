import {
  storageError,
  type FileEntry,
  type ReadOptions,
  type StorageCallOptions,
  type StorageSessionV1,
  type WriteOptions,
  type WriteResult,
} from '@ftp/plugin-api';
import {
  createDirectory,
  findNode,
  isSameOrAncestor,
  locateParent,
  requireNode,
  segmentsOf,
  type MemoryDirectory,
  type MemoryNode,
} from './memory-tree.ts';

/** One tree of files and the byte budget it shares with every session opened on it. */
export interface MemoryVolume {
  readonly root: MemoryDirectory;
  /** Bytes held by all files of the volume. */
  usedBytes: number;
  /** Upper bound of `usedBytes`; a write that would pass it fails with EDQUOT (552). */
  readonly maxBytes: number;
}

/** Size of the chunks `read` yields. */
const readChunkBytes = 64 * 1024;

/** Creates an empty volume. */
export function createVolume(maxBytes: number): MemoryVolume {
  return { root: createDirectory(), usedBytes: 0, maxBytes };
}

function entryOf(path: string, node: MemoryNode): FileEntry {
  const name = path === '/' ? '/' : (segmentsOf(path).at(-1) ?? '/');
  return node.type === 'file'
    ? { name, type: 'file', size: node.content.byteLength, modifiedAt: node.modifiedAt, mode: 0o644 }
    : { name, type: 'directory', size: 0, modifiedAt: node.modifiedAt, mode: 0o755 };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
}

/**
 * Reads `data` into memory, checking the signal between chunks and the volume's budget as bytes arrive, so an
 * aborted or oversized upload stops early and changes nothing.
 */
async function receive(
  volume: MemoryVolume,
  path: string,
  data: AsyncIterable<Uint8Array>,
  alreadyCounted: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  throwIfAborted(signal);
  for await (const chunk of data) {
    throwIfAborted(signal);
    received += chunk.byteLength;
    if (volume.usedBytes - alreadyCounted + received > volume.maxBytes) throw storageError('EDQUOT', path);
    chunks.push(chunk.slice());
  }
  throwIfAborted(signal);
  return joinBytes(chunks, received);
}

function joinBytes(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const joined = new Uint8Array(length);
  let position = 0;
  for (const chunk of chunks) {
    joined.set(chunk, position);
    position += chunk.byteLength;
  }
  return joined;
}

/** Puts `content` at `path` in one step, so readers see the old content or the new one and never a part. */
function publish(volume: MemoryVolume, path: string, content: Uint8Array, exclusive: boolean): void {
  const { parent, name } = locateParent(volume.root, path);
  const existing = parent.children.get(name);
  if (existing?.type === 'directory') throw storageError('EISDIR', path);
  if (exclusive && existing !== undefined) throw storageError('EEXIST', path);
  const previousBytes = existing?.content.byteLength ?? 0;
  if (volume.usedBytes - previousBytes + content.byteLength > volume.maxBytes) throw storageError('EDQUOT', path);
  const now = new Date();
  parent.children.set(name, { type: 'file', content, modifiedAt: now });
  parent.modifiedAt = now;
  volume.usedBytes += content.byteLength - previousBytes;
}

/** A `StorageSessionV1` over a volume. Every path is relative to the volume's root. */
export function createMemorySession(volume: MemoryVolume): StorageSessionV1 {
  const { root } = volume;
  return {
    async stat(path: string): Promise<FileEntry> {
      return entryOf(path, requireNode(root, path));
    },

    async *list(path: string): AsyncIterable<FileEntry> {
      const node = requireNode(root, path);
      if (node.type !== 'directory') throw storageError('ENOTDIR', path);
      // A copy of the entries, so files added or removed while the client reads the listing do not disturb it.
      for (const [name, child] of [...node.children]) yield { ...entryOf(path === '/' ? `/${name}` : `${path}/${name}`, child) };
    },

    async read(path: string, options: ReadOptions): Promise<AsyncIterable<Uint8Array>> {
      const node = requireNode(root, path);
      if (node.type === 'directory') throw storageError('EISDIR', path);
      const content = node.content;
      const { signal } = options;
      return (async function* chunks() {
        for (let start = options.offset; start < content.byteLength; start += readChunkBytes) {
          throwIfAborted(signal);
          yield content.slice(start, Math.min(start + readChunkBytes, content.byteLength));
        }
      })();
    },

    async write(path: string, data: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult> {
      const { parent, name } = locateParent(root, path);
      const existing = parent.children.get(name);
      if (existing?.type === 'directory') throw storageError('EISDIR', path);
      if (options.exclusive === true && existing !== undefined) throw storageError('EEXIST', path);
      if (options.offset > 0 && existing === undefined) throw storageError('ENOENT', path);
      // REST + STOR keeps the first `offset` bytes (zero-filled beyond the old end, as ftruncate does) and drops the rest.
      const kept = new Uint8Array(options.offset);
      if (existing !== undefined) kept.set(existing.content.subarray(0, options.offset));
      const received = await receive(volume, path, data, existing?.content.byteLength ?? 0, options.signal);
      publish(volume, path, joinBytes([kept, received], kept.byteLength + received.byteLength), options.exclusive === true);
      return { bytesWritten: received.byteLength };
    },

    async append(path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions): Promise<WriteResult> {
      const { parent, name } = locateParent(root, path);
      if (parent.children.get(name)?.type === 'directory') throw storageError('EISDIR', path);
      const received = await receive(volume, path, data, 0, options.signal);
      // Appended to the content as it is now, in case another session replaced the file during the upload.
      const current = findNode(root, path);
      const before = current?.type === 'file' ? current.content : new Uint8Array(0);
      publish(volume, path, joinBytes([before, received], before.byteLength + received.byteLength), false);
      return { bytesWritten: received.byteLength };
    },

    async delete(path: string): Promise<void> {
      const node = requireNode(root, path);
      if (node.type === 'directory') throw storageError('EISDIR', path);
      const { parent, name } = locateParent(root, path);
      parent.children.delete(name);
      parent.modifiedAt = new Date();
      volume.usedBytes -= node.content.byteLength;
    },

    async makeDirectory(path: string): Promise<void> {
      const { parent, name } = locateParent(root, path);
      if (parent.children.has(name)) throw storageError('EEXIST', path);
      parent.children.set(name, createDirectory());
      parent.modifiedAt = new Date();
    },

    async removeDirectory(path: string): Promise<void> {
      if (path === '/') throw storageError('EACCES', path);
      const node = requireNode(root, path);
      if (node.type !== 'directory') throw storageError('ENOTDIR', path);
      if (node.children.size > 0) throw storageError('ENOTEMPTY', path);
      const { parent, name } = locateParent(root, path);
      parent.children.delete(name);
      parent.modifiedAt = new Date();
    },

    async rename(from: string, to: string): Promise<void> {
      const source = requireNode(root, from);
      if (from === to) return;
      const target = locateParent(root, to);
      // A directory cannot move into itself; the root cannot move at all.
      if (from === '/' || isSameOrAncestor(from, to)) throw storageError('EACCES', to);
      const replaced = target.parent.children.get(target.name);
      if (replaced !== undefined && (replaced.type === 'directory' || source.type === 'directory')) throw storageError('EEXIST', to);
      const origin = locateParent(root, from);
      origin.parent.children.delete(origin.name);
      target.parent.children.set(target.name, source);
      const now = new Date();
      origin.parent.modifiedAt = now;
      target.parent.modifiedAt = now;
      if (replaced?.type === 'file') volume.usedBytes -= replaced.content.byteLength;
    },

    async setModifiedTime(path: string, time: Date): Promise<void> {
      requireNode(root, path).modifiedAt = new Date(time.getTime());
    },
  };
}
