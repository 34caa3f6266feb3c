import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleResolve } from 'import-meta-resolve';

/**
 * The conditions Node's ESM loader matches in a package's `exports` for an `import()`: "node" and "import", and
 * "module-sync" where require() of ES modules is on (Node 20.19+, 22.12+), as Node's own loader then does.
 * "default" always matches.
 */
const importConditions: ReadonlySet<string> = new Set(['node', 'import', ...(process.features.require_module ? ['module-sync'] : [])]);

/**
 * Resolves a plugin given by package name (`my-plugin`, `@acme/ftp-auth`, `pkg/subpath`) or by a path
 * (`./plugins/auth.js`, relative to the first directory) by Node's ESM rules: `exports` with the conditions of an
 * import, `main` with or without extension, `node_modules` folders upward from the directory, symlinks followed.
 * A package name is tried from each directory in turn (Node 20's `import.meta.resolve` takes no parent without a
 * flag, hence the well-kept ponyfill `import-meta-resolve`).
 *
 * Returns the module's URL, or undefined when no directory has the package (or the path names no file). Throws the
 * resolver's error, with its Node code (`ERR_PACKAGE_PATH_NOT_EXPORTED`, `ERR_UNSUPPORTED_DIR_IMPORT`, ...), when a
 * package is found but the specifier does not lead to a module in it.
 */
export function resolvePluginUrl(specifier: string, directories: readonly string[]): URL | undefined {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const target = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
  for (const directory of isPath ? directories.slice(0, 1) : directories) {
    try {
      return moduleResolve(target, pathToFileURL(`${directory}/`), new Set(importConditions), false);
    } catch (error) {
      if (!isNotFound(error, isPath ? undefined : packageNameOf(specifier))) throw error;
    }
  }
  return undefined;
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/**
 * True when the package itself is missing from this directory (so the next directory may have it), or a path names
 * no file. A package that is there but whose `main` names a missing file is broken, not missing: the resolver then
 * names the package's directory instead of its name.
 */
function isNotFound(error: unknown, packageName: string | undefined): boolean {
  if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') return false;
  return packageName === undefined || (error as Error).message.startsWith(`Cannot find package '${packageName}' `);
}
