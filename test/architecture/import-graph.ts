import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Reads every import of the workspace's own source files with the TypeScript scanner (`ts.preProcessFile`): no
// type checking and no module resolution, so the whole workspace is read in well under a second. It sees what the
// compiler sees: `import`, `import type`, `export … from`, `import()` (in code and in types) and `require()`, and
// it skips comments and strings.

/** The workspace root. */
export const workspaceRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The fields of a package.json the boundary checks read. */
export interface Manifest {
  readonly name: string;
  readonly exports?: Record<string, unknown> | string;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** A workspace package (a pnpm workspace member) or the workspace root, with the source files it owns. */
export interface Unit {
  /** Path from the workspace root, e.g. "packages/server"; "." for the root. */
  readonly path: string;
  readonly manifest: Manifest;
  readonly files: readonly SourceFile[];
}

export type ImportKind = 'relative' | 'builtin' | 'workspace' | 'external';

export interface Import {
  readonly specifier: string;
  readonly kind: ImportKind;
  /** For a relative import: the target, as a path from the workspace root (it may not exist). */
  readonly target?: string;
  /** For a workspace import: the package name ("@ftp/server") and the subpath ("." or "./testing"). */
  readonly packageName?: string;
  readonly subpath?: string;
}

export interface SourceFile {
  /** Path from the workspace root. */
  readonly path: string;
  /** True for tests and their support files (never published); false for code that ships or runs. */
  readonly isTest: boolean;
  readonly imports: readonly Import[];
}

const sourceExtension = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
const skippedDirectories = new Set(['node_modules', 'dist', 'results', 'coverage', 'test-results']);
// The workspace root owns only these directories; everything else at the top level is a workspace member or data.
const rootDirectories = ['test', 'scripts'];

function isTestPath(path: string): boolean {
  return /\.test(?:-d)?\.[cm]?[jt]sx?$/.test(path) || path.split('/').some((segment) => segment === 'test' || segment === '__fixtures__');
}

function listSources(directory: string, nestedUnits: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const name of readdirSync(directory)) {
    if (name.startsWith('.') || skippedDirectories.has(name)) continue;
    const path = join(directory, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) continue;
    if (stats.isDirectory()) {
      if (!nestedUnits.has(path)) found.push(...listSources(path, nestedUnits));
    } else if (sourceExtension.test(name) && !/\.d\.[cm]?ts$/.test(name)) {
      found.push(path);
    }
  }
  return found;
}

function readManifest(directory: string): Manifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as Manifest;
}

/** The workspace members named by pnpm-workspace.yaml (simple `dir/*` and `dir` entries, which is all it uses). */
function workspaceMembers(): string[] {
  const yaml = readFileSync(join(workspaceRoot, 'pnpm-workspace.yaml'), 'utf8');
  const section = yaml.split(/^packages:\s*$/m)[1] ?? '';
  const members: string[] = [];
  for (const line of section.split('\n')) {
    const match = /^\s+-\s+['"]?([^'"\s]+)['"]?\s*$/.exec(line);
    if (match === null) {
      if (/^\S/.test(line)) break;
      continue;
    }
    const pattern = match[1]!;
    if (pattern.endsWith('/*')) {
      const parent = join(workspaceRoot, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent).sort()) {
        if (existsSync(join(parent, name, 'package.json'))) members.push(`${pattern.slice(0, -2)}/${name}`);
      }
    } else if (existsSync(join(workspaceRoot, pattern, 'package.json'))) {
      members.push(pattern);
    }
  }
  return members;
}

function classify(specifier: string, fromFile: string): Import {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return {
      specifier,
      kind: 'relative',
      target: relative(workspaceRoot, resolve(dirname(fromFile), specifier))
        .split(sep)
        .join('/'),
    };
  }
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return { specifier, kind: 'builtin' };
  const parts = specifier.split('/');
  const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const rest = parts.slice(specifier.startsWith('@') ? 2 : 1);
  return { specifier, kind: 'external', packageName, subpath: rest.length === 0 ? '.' : `./${rest.join('/')}` };
}

/** Every unit of the workspace with its source files and their imports; `workspace` marks imports of our packages. */
export function readWorkspace(): Unit[] {
  const members = workspaceMembers();
  const memberDirectories = new Set(members.map((member) => join(workspaceRoot, member)));
  const names = new Set(members.map((member) => readManifest(join(workspaceRoot, member)).name));
  const units: { path: string; directories: string[] }[] = [
    { path: '.', directories: rootDirectories.map((name) => join(workspaceRoot, name)).filter((path) => existsSync(path)) },
    ...members.map((member) => ({ path: member, directories: [join(workspaceRoot, member)] })),
  ];
  return units.map(({ path, directories }) => {
    const files = directories.flatMap((directory) => listSources(directory, memberDirectories)).sort();
    return {
      path,
      manifest: readManifest(join(workspaceRoot, path)),
      files: files.map((file) => {
        const references = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
        const imports = references.map((reference) => {
          const found = classify(reference.fileName, file);
          return found.kind === 'external' && names.has(found.packageName!) ? { ...found, kind: 'workspace' as const } : found;
        });
        const relativePath = relative(workspaceRoot, file).split(sep).join('/');
        const pathInUnit = path === '.' ? relativePath : relativePath.slice(path.length + 1);
        return { path: relativePath, isTest: path === '.' ? relativePath.startsWith('test/') : isTestPath(pathInUnit), imports };
      }),
    };
  });
}

/** The file a relative import names, among the given files: as written, or the `.ts` source of a `.js` name. */
export function resolveRelative(target: string, files: ReadonlySet<string>): string | undefined {
  const candidates = [
    target,
    target.replace(/\.([cm]?)js$/, '.$1ts'),
    `${target}.ts`,
    `${target}/index.ts`,
    `${target}.js`,
    `${target}/index.js`,
  ];
  return candidates.find((candidate) => files.has(candidate));
}

/** The import cycles of one unit (type imports included): its strongly connected components, each sorted. */
export function findCycles(unit: Unit): string[][] {
  const paths = new Set(unit.files.map((file) => file.path));
  const edges = new Map<string, string[]>();
  for (const file of unit.files) {
    const targets = file.imports.flatMap((entry) => {
      if (entry.kind !== 'relative') return [];
      const resolved = resolveRelative(entry.target!, paths);
      return resolved === undefined ? [] : [resolved];
    });
    edges.set(file.path, targets);
  }
  // Tarjan's algorithm, iterative so that a long import chain cannot overflow the stack.
  let counter = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    lowLink.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const targets = edges.get(frame.node)!;
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          lowLink.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          lowLink.set(frame.node, Math.min(lowLink.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent !== undefined) lowLink.set(parent.node, Math.min(lowLink.get(parent.node)!, lowLink.get(frame.node)!));
      if (lowLink.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || targets.includes(frame.node)) cycles.push(component.sort());
    }
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
