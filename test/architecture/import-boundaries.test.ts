import { describe, expect, it } from 'vitest';
import { findCycles, readWorkspace, type Import, type SourceFile, type Unit } from './import-graph.ts';

// The rules of docs/architecture.md that were kept only by convention, checked on every import of every source and
// test file of the workspace. Each known exception is listed below by name with the reason it exists; an exception
// that no longer occurs fails the test as well, so these lists only ever shrink.

const units = readWorkspace();
const unitByName = new Map(units.map((unit) => [unit.manifest.name, unit]));

/**
 * Which workspace packages the code that ships or runs in each unit may import: dependencies point one way,
 * `protocol`, `plugin-api` <- `server` <- plugins <- `apps/server` (docs/architecture.md). Plugins use only
 * `plugin-api`, never `@ftp/server` or `@ftp/protocol`. A new workspace member must be placed here.
 */
const allowedImports: Record<string, readonly string[]> = {
  '.': [],
  'packages/protocol': [],
  'packages/plugin-api': [],
  'packages/server': ['@ftp/protocol', '@ftp/plugin-api'],
  'packages/auth-http': ['@ftp/plugin-api'],
  'packages/storage-fs': ['@ftp/plugin-api'],
  'packages/storage-s3': ['@ftp/plugin-api'],
  'packages/storage-mounts': ['@ftp/plugin-api'],
  'packages/store-postgres': ['@ftp/plugin-api'],
  // The admin API is a front door over a running server: it uses the engine's public operator methods and events.
  'packages/admin': ['@ftp/plugin-api', '@ftp/server'],
  'packages/test-utils': [],
  'examples/auth-htpasswd': ['@ftp/plugin-api'],
  'examples/storage-memory': ['@ftp/plugin-api'],
  'apps/server': [
    '@ftp/plugin-api',
    '@ftp/server',
    '@ftp/admin',
    '@ftp/auth-http',
    '@ftp/storage-fs',
    '@ftp/storage-s3',
    '@ftp/storage-mounts',
    '@ftp/store-postgres',
  ],
  bench: ['@ftp/plugin-api', '@ftp/server', '@ftp/auth-http', '@ftp/storage-fs', '@ftp/storage-s3', '@ftp/store-postgres'],
};

/**
 * Imports against the direction above that only tests make (declared as devDependencies, never published): the
 * plugins' integration tests run their plugin inside a real `@ftp/server`, and the server's integration tests serve
 * a real directory through `@ftp/storage-fs`.
 */
const testOnlyImports: Record<string, readonly string[]> = {
  'packages/server': ['@ftp/storage-fs'],
  'packages/auth-http': ['@ftp/server', '@ftp/storage-fs'],
  'packages/storage-s3': ['@ftp/server'],
  // The mounts' tests mount real directories and a real bucket into one tree served by a real server.
  'packages/storage-mounts': ['@ftp/server', '@ftp/storage-fs', '@ftp/storage-s3'],
  'packages/store-postgres': ['@ftp/server', '@ftp/storage-fs'],
  // The admin API's tests end an upload to a real directory and find no partial file, manage the users of a real
  // PostgreSQL user store, and log in to a mount the page gave a user.
  'packages/admin': ['@ftp/storage-fs', '@ftp/storage-mounts', '@ftp/store-postgres'],
};

/**
 * The private package of the test helpers that tests of more than one package use (`packages/test-utils`, never
 * published). It imports no workspace package (its entry in `allowedImports` is empty), so it sits below everything
 * and the tests of any package may import it; code that ships or runs never may, and a package lists it in
 * devDependencies only. A test never reaches into another package's test folder by path: what two packages' tests
 * share moves here.
 */
const testUtilities = '@ftp/test-utils';

/**
 * Known import cycles (type imports count: they tie the files' declarations together just the same). Any cycle
 * that is not inside one of these fails the test. There is none: a cycle is broken by moving the types both sides
 * share into a leaf module (as `server-options.ts` and the conformance kit's `conformance-fixture.ts` are), not by
 * listing it here.
 */
const knownCycles: Record<string, readonly (readonly string[])[]> = {};

/**
 * Inside `@ftp/server`, imports point down: the composition (`ftp-server.ts`, `connection.ts`, `testing/`) uses the
 * command families, which use the session engine, which uses the option types; never the other way. The option types
 * are a leaf, so any module may read them without joining a cycle; the session knows the command table only through
 * the `CommandTable` interface.
 */
const serverLayers: readonly { files: string; mayNotImport: readonly string[] }[] = [
  { files: 'packages/server/src/server-options.ts', mayNotImport: ['packages/server/src/'] },
  {
    files: 'packages/server/src/session/',
    mayNotImport: [
      'packages/server/src/commands/',
      'packages/server/src/testing/',
      'packages/server/src/ftp-server.ts',
      'packages/server/src/connection.ts',
    ],
  },
  {
    files: 'packages/server/src/commands/',
    mayNotImport: ['packages/server/src/testing/', 'packages/server/src/ftp-server.ts', 'packages/server/src/connection.ts'],
  },
];

/** Node modules that do I/O; `@ftp/protocol` is the wire format alone and may use none of them (node:buffer is fine). */
const ioModules = new Set([
  'net',
  'fs',
  'fs/promises',
  'tls',
  'dgram',
  'child_process',
  'http',
  'https',
  'http2',
  'dns',
  'dns/promises',
  'cluster',
  'worker_threads',
]);

function violations(
  check: (unit: Unit, file: SourceFile, entry: Import) => string | undefined,
  checked: readonly Unit[] = units,
): string[] {
  return checked.flatMap((unit) =>
    unit.files.flatMap((file) =>
      file.imports.flatMap((entry) => {
        const problem = check(unit, file, entry);
        return problem === undefined ? [] : [`${file.path}: '${entry.specifier}' ${problem}`];
      }),
    ),
  );
}

/** The unit that owns a path from the workspace root: the longest member path it lies in, else the root. */
function ownerOf(path: string): string {
  let owner = '.';
  for (const unit of units) if (unit.path !== '.' && path.startsWith(`${unit.path}/`) && unit.path.length > owner.length) owner = unit.path;
  return owner;
}

/** Where `@ftp/test-utils` is more than a test helper: imported by code that ships or runs, or declared as a dependency. */
function testUtilitiesOutsideTests(checked: readonly Unit[]): string[] {
  const imports = violations(
    (_unit, file, entry) =>
      entry.kind === 'workspace' && entry.packageName === testUtilities && !file.isTest
        ? 'is for tests only: code that ships or runs may not import it'
        : undefined,
    checked,
  );
  const declarations = checked.flatMap((unit) =>
    (['dependencies', 'peerDependencies'] as const)
      .filter((field) => testUtilities in (unit.manifest[field] ?? {}))
      .map((field) => `${unit.path}/package.json: '${testUtilities}' in ${field}; only devDependencies may name it`),
  );
  return [...imports, ...declarations];
}

function exportedSubpaths(unit: Unit): string[] {
  const exports = unit.manifest.exports;
  if (exports === undefined) return [];
  if (typeof exports === 'string' || !Object.keys(exports).some((key) => key.startsWith('.'))) return ['.'];
  return Object.keys(exports);
}

describe('import boundaries (docs/architecture.md)', () => {
  it('reads the sources of every workspace package', () => {
    for (const path of ['packages/protocol', 'packages/plugin-api', 'packages/server', 'apps/server', 'bench']) {
      expect(units.find((unit) => unit.path === path)?.files.length ?? 0, path).toBeGreaterThan(0);
    }
  });

  it('@ftp/protocol does no I/O: no node:net, node:fs, node:tls, node:dgram, node:child_process…', () => {
    const found = violations((unit, file, entry) =>
      unit.path === 'packages/protocol' && !file.isTest && entry.kind === 'builtin' && ioModules.has(entry.specifier.replace(/^node:/, ''))
        ? 'is I/O; @ftp/protocol is the wire format alone'
        : undefined,
    );
    expect(found).toEqual([]);
  });

  it('imports another package only through a subpath its package.json exports', () => {
    const found = violations((_unit, _file, entry) => {
      if (entry.kind !== 'workspace') return undefined;
      const target = unitByName.get(entry.packageName!)!;
      return exportedSubpaths(target).includes(entry.subpath!)
        ? undefined
        : `reaches into ${entry.packageName} (exports: ${exportedSubpaths(target).join(', ')})`;
    });
    expect(found).toEqual([]);
  });

  it('no relative import leaves its package, tests included (shared test helpers live in @ftp/test-utils)', () => {
    const found = violations((unit, file, entry) => {
      if (entry.kind !== 'relative' || ownerOf(entry.target!) === unit.path) return undefined;
      const instead = file.isTest ? `import its package, or move the shared helper to ${testUtilities}` : 'import its package';
      return `reaches into ${ownerOf(entry.target!)} by path; ${instead}`;
    });
    expect(found).toEqual([]);
  });

  it('dependencies point one way: protocol, plugin-api <- server <- plugins <- apps/server', () => {
    expect(
      units.map((unit) => unit.path).filter((path) => !(path in allowedImports)),
      'place new packages in allowedImports',
    ).toEqual([]);
    const used = new Set<string>();
    const found = violations((unit, file, entry) => {
      if (entry.kind !== 'workspace' || entry.packageName === unit.manifest.name) return undefined;
      if (allowedImports[unit.path]!.includes(entry.packageName!)) return undefined;
      // Any test may import the test helpers; their own rule (below) keeps them out of everything else.
      if (entry.packageName === testUtilities) return undefined;
      if (file.isTest && testOnlyImports[unit.path]?.includes(entry.packageName!) === true) {
        used.add(`${unit.path} ${entry.packageName}`);
        return undefined;
      }
      return `goes against the dependency direction (${unit.path} may import ${allowedImports[unit.path]!.join(', ') || 'no workspace package'})`;
    });
    expect(found).toEqual([]);
    const stale = Object.entries(testOnlyImports).flatMap(([path, names]) =>
      names.filter((name) => !used.has(`${path} ${name}`)).map((name) => `${path} ${name}`),
    );
    expect(stale, 'these test-only imports no longer occur: remove them from testOnlyImports').toEqual([]);
  });

  it('every workspace package imported is declared in package.json (devDependencies for tests only)', () => {
    const found = violations((unit, file, entry) => {
      if (entry.kind !== 'workspace' || entry.packageName === unit.manifest.name) return undefined;
      const { dependencies = {}, peerDependencies = {}, devDependencies = {} } = unit.manifest;
      if (entry.packageName! in dependencies || entry.packageName! in peerDependencies) return undefined;
      if (file.isTest && entry.packageName! in devDependencies) return undefined;
      return `is not declared in ${unit.path}/package.json ${file.isTest ? '' : '(dependencies or peerDependencies)'}`.trim();
    });
    expect(found).toEqual([]);
  });

  it('@ftp/test-utils is for tests only: shipped code never imports it, and packages list it in devDependencies', () => {
    expect(units.find((unit) => unit.manifest.name === testUtilities)?.path).toBe('packages/test-utils');
    expect(testUtilitiesOutsideTests(units)).toEqual([]);
  });

  it('the test-only rule of @ftp/test-utils fails on shipped code that imports it and on a dependency that names it', () => {
    const entry: Import = { specifier: testUtilities, kind: 'workspace', packageName: testUtilities, subpath: '.' };
    const plugin: Unit = {
      path: 'packages/storage-fs',
      manifest: { name: '@ftp/storage-fs', dependencies: { [testUtilities]: 'workspace:*' } },
      files: [
        { path: 'packages/storage-fs/src/fs-storage.ts', isTest: false, imports: [entry] },
        { path: 'packages/storage-fs/src/fs-storage.test.ts', isTest: true, imports: [entry] },
      ],
    };
    expect(testUtilitiesOutsideTests([plugin])).toEqual([
      `packages/storage-fs/src/fs-storage.ts: '${testUtilities}' is for tests only: code that ships or runs may not import it`,
      `packages/storage-fs/package.json: '${testUtilities}' in dependencies; only devDependencies may name it`,
    ]);
  });

  it('inside @ftp/server, imports point down: composition -> commands -> session -> option types', () => {
    const found = violations((_unit, file, entry) => {
      if (file.isTest || entry.kind !== 'relative') return undefined;
      const layer = serverLayers.find((rule) => file.path.startsWith(rule.files));
      const forbidden = layer?.mayNotImport.find((target) => entry.target!.startsWith(target));
      return forbidden === undefined ? undefined : `points up: ${layer!.files} may not import ${forbidden}`;
    });
    expect(found).toEqual([]);
  });

  it('no import cycles inside a package (type imports included), except the known ones', () => {
    const newCycles: string[] = [];
    const stale: string[] = [];
    for (const unit of units) {
      const known = knownCycles[unit.path] ?? [];
      const cycles = findCycles(unit);
      for (const cycle of cycles) {
        if (!known.some((files) => cycle.every((file) => files.includes(file)))) newCycles.push(cycle.join(' <-> '));
      }
      const inCycles = new Set(cycles.flat());
      for (const file of known.flat()) if (!inCycles.has(file)) stale.push(file);
    }
    expect(newCycles, 'a new import cycle (a cycle of type imports counts: move the shared types to a leaf module)').toEqual([]);
    expect(stale, 'these files are no longer in a cycle: remove them from knownCycles').toEqual([]);
  });
});
