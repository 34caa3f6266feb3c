import { storageError } from '@ftp/plugin-api';

/** A file held in memory. `content` is replaced as a whole on every write, never changed in place. */
export interface MemoryFile {
  readonly type: 'file';
  content: Uint8Array;
  modifiedAt: Date;
}

/** A directory held in memory: its entries by name. */
export interface MemoryDirectory {
  readonly type: 'directory';
  readonly children: Map<string, MemoryNode>;
  modifiedAt: Date;
}

export type MemoryNode = MemoryFile | MemoryDirectory;

/** Creates an empty directory node. */
export function createDirectory(): MemoryDirectory {
  return { type: 'directory', children: new Map(), modifiedAt: new Date() };
}

/**
 * Splits a virtual path into its segments. The server only passes absolute, normalised paths (plugin contract), but
 * a connector keeps its own guard: anything else is refused with EBADNAME instead of being interpreted.
 */
export function segmentsOf(path: string): string[] {
  if (!path.startsWith('/') || path.includes('\0')) throw storageError('EBADNAME', path);
  if (path === '/') return [];
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') throw storageError('EBADNAME', path);
  }
  return segments;
}

/** The node at `path`, or undefined when it or a directory above it is missing. */
export function findNode(root: MemoryDirectory, path: string): MemoryNode | undefined {
  let node: MemoryNode = root;
  for (const segment of segmentsOf(path)) {
    if (node.type !== 'directory') return undefined;
    const child: MemoryNode | undefined = node.children.get(segment);
    if (child === undefined) return undefined;
    node = child;
  }
  return node;
}

/** The node at `path`; throws ENOENT when it is missing. */
export function requireNode(root: MemoryDirectory, path: string): MemoryNode {
  const node = findNode(root, path);
  if (node === undefined) throw storageError('ENOENT', path);
  return node;
}

/** The directory that holds `path` and the last segment; throws ENOENT when that directory is missing. */
export function locateParent(root: MemoryDirectory, path: string): { parent: MemoryDirectory; name: string } {
  const segments = segmentsOf(path);
  const name = segments.pop();
  if (name === undefined) throw storageError('EEXIST', path);
  const parent = findNode(root, segments.length === 0 ? '/' : `/${segments.join('/')}`);
  if (parent?.type !== 'directory') throw storageError('ENOENT', path);
  return { parent, name };
}

/** Bytes held by the files at and below `node`. */
export function bytesBelow(node: MemoryNode): number {
  if (node.type === 'file') return node.content.byteLength;
  let total = 0;
  for (const child of node.children.values()) total += bytesBelow(child);
  return total;
}

/** True when `ancestor` is `path` or one of the directories above it. */
export function isSameOrAncestor(ancestor: string, path: string): boolean {
  return ancestor === '/' || path === ancestor || path.startsWith(`${ancestor}/`);
}
