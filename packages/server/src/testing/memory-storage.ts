import { createChecksumDigest, storageError } from '@ftp/plugin-api';
import type {
  ChecksumAlgorithm,
  FileEntry,
  ReadOptions,
  ReadSource,
  StorageCallOptions,
  StorageConnectorV1,
  StorageSessionV1,
  WriteOptions,
  WriteResult,
} from '@ftp/plugin-api';

/** The optional `StorageSessionV1` methods a memory storage can leave out, to test how the server copes. */
export type MemoryStorageCapability = 'append' | 'rename' | 'setModifiedTime' | 'checksum' | 'setMode' | 'freeSpace';

export interface MemoryStorageOptions {
  /** The connector name for logs. Default "memory". */
  readonly name?: string;
  /** Files present from the start, by virtual path; missing parent directories are created. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** Optional capabilities to leave out of every session (the server must then answer 502). */
  readonly omit?: readonly MemoryStorageCapability[];
  /** Size of the chunks `read` yields. Default 64 KiB. */
  readonly chunkBytes?: number;
  /**
   * Whether `read` reports the file's size (`ReadSource.size`), as the fs and S3 connectors do. Default true; false
   * behaves like a connector that does not know it, so RETR asks `stat` for its 150 reply.
   */
  readonly readReportsSize?: boolean;
  /** What the storage may hold in all: `freeSpace` (AVBL) reports what is left of it. Default 1 GiB. */
  readonly capacityBytes?: number;
}

interface MemoryFile {
  readonly kind: 'file';
  content: Uint8Array;
  modifiedAt: Date;
  mode: number;
  readonly id: number;
}

interface MemoryDirectory {
  readonly kind: 'directory';
  readonly children: Map<string, MemoryNode>;
  modifiedAt: Date;
  mode: number;
  readonly id: number;
}

type MemoryNode = MemoryFile | MemoryDirectory;

/** Splits a virtual path into segments, refusing what the server should never send (defence in depth). */
function segmentsOf(path: string): string[] {
  if (!path.startsWith('/') || path.includes('\0')) throw storageError('EBADNAME', path);
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw storageError('EBADNAME', path);
  return segments;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
}

function concatenate(parts: readonly Uint8Array[], length: number): Uint8Array {
  const joined = new Uint8Array(length);
  let position = 0;
  for (const part of parts) {
    joined.set(part, position);
    position += part.byteLength;
  }
  return joined;
}

/** The shared tree of one connector instance. */
class MemoryTree {
  readonly root: MemoryDirectory;
  /** Bytes of every file in the tree, kept as files come and go. */
  storedBytes = 0;
  private nextId = 1;

  constructor() {
    this.root = this.directory();
  }

  directory(): MemoryDirectory {
    return { kind: 'directory', children: new Map(), modifiedAt: new Date(), mode: 0o755, id: this.nextId++ };
  }

  file(content: Uint8Array): MemoryFile {
    return { kind: 'file', content, modifiedAt: new Date(), mode: 0o644, id: this.nextId++ };
  }

  /** The node at `path`; ENOENT when it or a parent is missing or a parent is a file. */
  find(path: string): MemoryNode {
    let node: MemoryNode = this.root;
    for (const segment of segmentsOf(path)) {
      const child: MemoryNode | undefined = node.kind === 'directory' ? node.children.get(segment) : undefined;
      if (child === undefined) throw storageError('ENOENT', path);
      node = child;
    }
    return node;
  }

  /** The parent directory of `path` and the last segment; EACCES for the root itself. */
  parentOf(path: string): { parent: MemoryDirectory; name: string } {
    const segments = segmentsOf(path);
    const name = segments.pop();
    if (name === undefined) throw storageError('EACCES', path);
    const parent = this.find(`/${segments.join('/')}`);
    if (parent.kind !== 'directory') throw storageError('ENOENT', path);
    return { parent, name };
  }

  attach(parent: MemoryDirectory, name: string, node: MemoryNode): void {
    const replaced = parent.children.get(name);
    if (replaced?.kind === 'file') this.storedBytes -= replaced.content.byteLength;
    if (node.kind === 'file') this.storedBytes += node.content.byteLength;
    parent.children.set(name, node);
    parent.modifiedAt = new Date();
  }

  detach(parent: MemoryDirectory, name: string): void {
    const node = parent.children.get(name);
    if (node?.kind === 'file') this.storedBytes -= node.content.byteLength;
    parent.children.delete(name);
    parent.modifiedAt = new Date();
  }

  entry(name: string, node: MemoryNode): FileEntry {
    return {
      name,
      type: node.kind,
      size: node.kind === 'file' ? node.content.byteLength : 0,
      modifiedAt: new Date(node.modifiedAt.getTime()),
      mode: node.mode,
      uniqueId: String(node.id),
    };
  }

  seed(path: string, content: string | Uint8Array): void {
    const segments = segmentsOf(path);
    const name = segments.pop();
    if (name === undefined) throw new Error(`cannot seed a file at ${path}`);
    let directory = this.root;
    for (const segment of segments) {
      let child = directory.children.get(segment);
      if (child === undefined) this.attach(directory, segment, (child = this.directory()));
      if (child.kind !== 'directory') throw new Error(`cannot seed ${path}: ${segment} is a file`);
      directory = child;
    }
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    this.attach(directory, name, this.file(bytes.slice()));
  }
}

/** Reads `data` into one buffer, stopping when `signal` aborts. */
async function receive(data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  throwIfAborted(signal);
  for await (const chunk of data) {
    throwIfAborted(signal);
    parts.push(chunk.slice());
    length += chunk.byteLength;
  }
  throwIfAborted(signal);
  return concatenate(parts, length);
}

class MemorySession implements StorageSessionV1 {
  private readonly tree: MemoryTree;
  private readonly chunkBytes: number;
  private readonly readReportsSize: boolean;
  private readonly capacityBytes: number;

  constructor(tree: MemoryTree, chunkBytes: number, readReportsSize: boolean, capacityBytes: number) {
    this.tree = tree;
    this.chunkBytes = chunkBytes;
    this.readReportsSize = readReportsSize;
    this.capacityBytes = capacityBytes;
  }

  async stat(path: string): Promise<FileEntry> {
    const node = this.tree.find(path);
    return this.tree.entry(node === this.tree.root ? '/' : (segmentsOf(path).at(-1) ?? '/'), node);
  }

  async *list(path: string, options: StorageCallOptions): AsyncIterable<FileEntry> {
    const node = this.tree.find(path);
    if (node.kind !== 'directory') throw storageError('ENOTDIR', path);
    for (const [name, child] of [...node.children]) {
      throwIfAborted(options.signal);
      yield this.tree.entry(name, child);
    }
  }

  async read(path: string, options: ReadOptions): Promise<ReadSource> {
    const node = this.tree.find(path);
    if (node.kind !== 'file') throw storageError('EISDIR', path);
    throwIfAborted(options.signal);
    const content = node.content;
    const chunkBytes = this.chunkBytes;
    const chunks = (async function* chunks() {
      for (let start = options.offset; start < content.byteLength; start += chunkBytes) {
        throwIfAborted(options.signal);
        yield content.slice(start, start + chunkBytes);
      }
    })();
    return this.readReportsSize ? { size: content.byteLength, [Symbol.asyncIterator]: () => chunks } : chunks;
  }

  async write(path: string, data: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult> {
    this.checkWritable(path, options.exclusive === true);
    const received = await receive(data, options.signal);
    // Everything is checked again at commit time: the tree may have changed while the data arrived.
    const { parent, name } = this.tree.parentOf(path);
    const existing = this.checkWritable(path, options.exclusive === true);
    let content = received;
    if (options.offset > 0) {
      if (existing === undefined) throw storageError('ENOENT', path);
      content = new Uint8Array(options.offset + received.byteLength);
      content.set(existing.content.subarray(0, options.offset));
      content.set(received, options.offset);
    }
    this.tree.attach(parent, name, this.tree.file(content));
    return { bytesWritten: received.byteLength };
  }

  async append(path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions): Promise<WriteResult> {
    this.checkWritable(path, false);
    const received = await receive(data, options.signal);
    const { parent, name } = this.tree.parentOf(path);
    const existing = this.checkWritable(path, false);
    const before = existing?.content ?? new Uint8Array();
    this.tree.attach(parent, name, this.tree.file(concatenate([before, received], before.byteLength + received.byteLength)));
    return { bytesWritten: received.byteLength };
  }

  async delete(path: string): Promise<void> {
    const { parent, name } = this.tree.parentOf(path);
    const node = parent.children.get(name);
    if (node === undefined) throw storageError('ENOENT', path);
    if (node.kind === 'directory') throw storageError('EISDIR', path);
    this.tree.detach(parent, name);
  }

  async makeDirectory(path: string): Promise<void> {
    if (segmentsOf(path).length === 0) throw storageError('EEXIST', path);
    const { parent, name } = this.tree.parentOf(path);
    if (parent.children.has(name)) throw storageError('EEXIST', path);
    this.tree.attach(parent, name, this.tree.directory());
  }

  async removeDirectory(path: string): Promise<void> {
    const { parent, name } = this.tree.parentOf(path);
    const node = parent.children.get(name);
    if (node === undefined) throw storageError('ENOENT', path);
    if (node.kind !== 'directory') throw storageError('ENOTDIR', path);
    if (node.children.size > 0) throw storageError('ENOTEMPTY', path);
    this.tree.detach(parent, name);
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.tree.parentOf(from);
    const node = source.parent.children.get(source.name);
    if (node === undefined) throw storageError('ENOENT', from);
    const target = this.tree.parentOf(to);
    const existing = target.parent.children.get(target.name);
    if (existing === node) return;
    if (existing !== undefined && (existing.kind === 'directory' || node.kind === 'directory')) {
      throw storageError('EEXIST', to);
    }
    if (node.kind === 'directory' && this.isWithin(target.parent, node)) throw storageError('EBADNAME', to);
    this.tree.detach(source.parent, source.name);
    this.tree.attach(target.parent, target.name, node);
  }

  async setModifiedTime(path: string, time: Date): Promise<void> {
    this.tree.find(path).modifiedAt = new Date(time.getTime());
  }

  async checksum(path: string, algorithm: ChecksumAlgorithm): Promise<string> {
    const node = this.tree.find(path);
    if (node.kind !== 'file') throw storageError('EISDIR', path);
    const digest = createChecksumDigest(algorithm);
    digest.update(node.content);
    return digest.digest();
  }

  async setMode(path: string, mode: number): Promise<void> {
    if (segmentsOf(path).length === 0) throw storageError('EACCES', path);
    this.tree.find(path).mode = mode;
  }

  async freeSpace(path: string): Promise<number> {
    if (this.tree.find(path).kind !== 'directory') throw storageError('ENOTDIR', path);
    return Math.max(0, this.capacityBytes - this.tree.storedBytes);
  }

  async close(): Promise<void> {}

  /** The file currently at `path`, if any; EISDIR for a directory, EEXIST when `exclusive` and something exists. */
  private checkWritable(path: string, exclusive: boolean): MemoryFile | undefined {
    const { parent, name } = this.tree.parentOf(path);
    const existing = parent.children.get(name);
    if (existing?.kind === 'directory') throw storageError('EISDIR', path);
    if (existing !== undefined && exclusive) throw storageError('EEXIST', path);
    return existing;
  }

  /** True when `directory` is `ancestor` or lies below it (moving a directory into itself is refused). */
  private isWithin(directory: MemoryDirectory, ancestor: MemoryDirectory): boolean {
    if (directory === ancestor) return true;
    for (const child of ancestor.children.values()) {
      if (child.kind === 'directory' && this.isWithin(directory, child)) return true;
    }
    return false;
  }
}

/**
 * An in-memory reference storage connector: one tree of directories and files, shared by every session of this
 * connector instance, with every optional capability (unless left out with `omit`). It passes the storage
 * conformance kit and backs the server's session-level tests. Not for production: content lives in memory.
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): StorageConnectorV1 {
  const tree = new MemoryTree();
  for (const [path, content] of Object.entries(options.files ?? {})) tree.seed(path, content);
  const omitted = new Set(options.omit ?? []);
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: options.name ?? 'memory',
    async openSession(): Promise<StorageSessionV1> {
      const session = new MemorySession(tree, chunkBytes, options.readReportsSize ?? true, options.capacityBytes ?? 1024 ** 3);
      if (omitted.size === 0) return session;
      // A plain object exposes exactly the methods kept, so `'append' in session` answers as a real connector would.
      const view: Record<string, unknown> = {};
      for (const method of [
        'stat',
        'list',
        'read',
        'write',
        'delete',
        'makeDirectory',
        'removeDirectory',
        'append',
        'rename',
        'setModifiedTime',
        'checksum',
        'setMode',
        'freeSpace',
        'close',
      ] as const) {
        if (!omitted.has(method as MemoryStorageCapability)) view[method] = session[method].bind(session);
      }
      return view as unknown as StorageSessionV1;
    },
  });
}
