import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';

// The export conditions an ESM import on Node uses, in the order Node itself considers them.
const conditions = ['node', 'import', 'default'];

/**
 * Finds the entry file of a plugin given by package name (`my-plugin`, `@acme/ftp-auth`, `pkg/subpath`) or by a
 * path (`./plugins/auth.js`), searching `node_modules` folders upward from each of `directories` in turn.
 *
 * Node 20 cannot resolve a bare specifier as an ESM import from an arbitrary directory (`import.meta.resolve` takes
 * no parent there without a flag, and `require.resolve` uses the "require" condition), so the package's `exports`
 * are read here with the ESM conditions; `require.resolve` is the fallback for layouts without `node_modules`.
 * Returns undefined when nothing is found.
 */
export function resolvePluginEntry(specifier: string, directories: readonly string[]): string | undefined {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const target = resolve(directories[0] ?? process.cwd(), specifier);
    if (!existsSync(target)) return undefined;
    return statSync(target).isDirectory() ? entryOfPackage(target, '.') : target;
  }
  const { packageName, subpath } = splitSpecifier(specifier);
  for (const directory of directories) {
    const packageDirectory = findPackageDirectory(packageName, directory);
    if (packageDirectory !== undefined) return entryOfPackage(packageDirectory, subpath);
  }
  for (const directory of directories) {
    try {
      return createRequire(join(directory, 'noop.js')).resolve(specifier);
    } catch {
      // Not found from this directory; try the next one.
    }
  }
  return undefined;
}

/** `@scope/name/sub/path` → `@scope/name` and `./sub/path`. */
export function splitSpecifier(specifier: string): { packageName: string; subpath: string } {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(nameLength);
  return { packageName: parts.slice(0, nameLength).join('/'), subpath: rest.length === 0 ? '.' : `./${rest.join('/')}` };
}

function findPackageDirectory(packageName: string, from: string): string | undefined {
  let directory = resolve(from);
  for (;;) {
    const candidate = join(directory, 'node_modules', packageName);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function entryOfPackage(packageDirectory: string, subpath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8')) as {
    exports?: unknown;
    main?: unknown;
  };
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const target = exportTarget(manifest.exports, subpath);
    return target === undefined ? undefined : join(packageDirectory, target);
  }
  if (subpath !== '.') return join(packageDirectory, subpath);
  return join(packageDirectory, typeof manifest.main === 'string' ? manifest.main : 'index.js');
}

function exportTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((key) => key.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? conditionTarget(exports) : undefined;
  return conditionTarget((exports as Record<string, unknown>)[subpath]);
}

function conditionTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const target = conditionTarget(item);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  // Node picks the first key, in object order, that is an active condition.
  for (const [condition, nested] of Object.entries(value)) {
    if (!conditions.includes(condition)) continue;
    const target = conditionTarget(nested);
    if (target !== undefined) return target;
  }
  return undefined;
}
