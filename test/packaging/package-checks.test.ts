import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryFiles, packagesToCheck, packPackage, run, workspaceRoot, type WorkspacePackage } from './support.ts';

// Checks that catch a broken package before a release: our own manifest rules, publint, and arethetypeswrong.
//
// attw runs with the "esm-only" profile. The packages are ESM only on purpose (docs/style.md): Node 20.19+ can
// require() them, so CommonJS callers are not locked out, but TypeScript's old "node10" resolution (which ignores
// "exports") and "node16 from CJS" (which, before TypeScript 5.8's module "node20", reports require of ESM as an
// error) cannot see them correctly. Those two modes are what a dual CJS build would be for; we ship none, so attw
// reports them as ignored instead of failing, and still fails on everything that breaks ESM or bundler consumers.
//
// The CLI (@ftp/cli, under apps/) is a command, not a library: it has `bin` entries, exports only its package.json and
// the JSON Schema of its config file (which editors read through a config's "$schema"), ships no type declarations
// (so attw has nothing to check) and has side effects (running it starts a server).

const copyrightLine = 'Copyright (c) 2026 the ftp project contributors';
const packages = packagesToCheck();
const tarballs = new Map<string, string>();
let packDirectory: string;

beforeAll(async () => {
  packDirectory = await mkdtemp(join(tmpdir(), 'ftp-package-checks-'));
  for (const workspacePackage of packages) tarballs.set(workspacePackage.path, await packPackage(workspacePackage, packDirectory));
}, 180_000);
afterAll(async () => {
  if (packDirectory !== undefined) await rm(packDirectory, { recursive: true, force: true });
});

/** Every condition object in an exports map, with the path that leads to it. */
function conditionObjects(value: unknown, path: string): Array<[string, Record<string, unknown>]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const record = value as Record<string, unknown>;
  const nested = Object.entries(record).flatMap(([key, inner]) => conditionObjects(inner, `${path}.${key}`));
  return Object.keys(record).some((key) => key.startsWith('.')) ? nested : [[path, record], ...nested];
}

/** The paths inside a tarball, without npm's "package/" prefix. */
async function filesIn(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
}

/** The package names a built file imports (static, dynamic and re-exports), without Node's built-in modules. */
function importedPackages(source: string): Set<string> {
  const names = new Set<string>();
  // Doc comments carry examples that import other packages; only code counts.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  for (const match of code.matchAll(pattern)) {
    const specifier = match[1]!;
    if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return names;
}

describe.each(packages.map((workspacePackage) => [workspacePackage.manifest.name, workspacePackage] as const))(
  'package %s',
  (_, workspacePackage: WorkspacePackage) => {
    const { manifest, directory, path } = workspacePackage;

    it('has a README with install and example sections, and the MIT LICENSE', () => {
      const readme = readFileSync(join(directory, 'README.md'), 'utf8');
      expect(readme).toContain(`# ${manifest.name}`);
      expect(readme).toMatch(/^## Install/m);
      expect(readme).toMatch(/```(js|ts|sh)\n/);
      const license = readFileSync(join(directory, 'LICENSE'), 'utf8');
      expect(license.startsWith('MIT License')).toBe(true);
      expect(license).toContain(copyrightLine);
      expect(manifest.license).toBe('MIT');
    });

    it.skipIf(workspacePackage.isCli)('declares an exports map with types first and default last, and no side effects', () => {
      expect(manifest.sideEffects).toBe(false);
      expect(manifest.exports?.['.']).toBeDefined();
      for (const [where, conditions] of conditionObjects(manifest.exports, 'exports')) {
        expect(Object.keys(conditions)[0], `${where}: "types" must come first`).toBe('types');
        expect(Object.keys(conditions).at(-1), `${where}: "default" must come last`).toBe('default');
      }
    });

    it.runIf(workspacePackage.isCli)('declares its commands in bin and exports nothing but its package.json and config schema', () => {
      expect(Object.keys(manifest.bin ?? {})).not.toEqual([]);
      expect(manifest.exports).toEqual({ './package.json': './package.json', './ftp-server.schema.json': './ftp-server.schema.json' });
      for (const file of entryFiles(workspacePackage)) {
        expect(file).toMatch(/^dist\//);
        expect(readFileSync(join(directory, file), 'utf8').startsWith('#!/usr/bin/env node\n'), `${file} starts with a shebang`).toBe(true);
      }
      for (const name of Object.keys(manifest.peerDependencies ?? {})) {
        expect(manifest.peerDependenciesMeta?.[name]?.optional, `peer ${name} is optional`).toBe(true);
        expect(manifest.devDependencies?.[name], `peer ${name} is a devDependency for the workspace tests`).toBeDefined();
      }
    });

    it('declares its description, ESM, files, engines, repository directory and publishing', () => {
      expect(manifest.description).toBeTruthy();
      expect(manifest.type).toBe('module');
      expect(manifest.engines).toEqual({ node: '>=20.19' });
      expect(manifest.repository).toMatchObject({ type: 'git', directory: path });
      expect(manifest.repository?.url).toMatch(/^git\+https:\/\//);
      expect(manifest.files).toContain('dist');
      expect(manifest.exports?.['./package.json']).toBe('./package.json');
      if (!workspacePackage.isExample) expect(manifest.publishConfig).toMatchObject({ access: 'public', provenance: true });
    });

    it('ships only built files, README, LICENSE, package.json and, for the CLI, its config schema', async () => {
      const files = await filesIn(tarballs.get(path)!);
      const entries = workspacePackage.isCli
        ? [...entryFiles(workspacePackage), 'ftp-server.schema.json']
        : ['dist/index.js', 'dist/index.d.ts'];
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', ...entries]));
      const shipped = workspacePackage.isCli
        ? /^(dist\/.+|package\.json|README\.md|LICENSE|CHANGELOG\.md|ftp-server\.schema\.json)$/
        : /^(dist\/.+|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
      const unexpected = files.filter((file) => !shipped.test(file));
      expect(unexpected).toEqual([]);
      expect(files.filter((file) => /\.test\.|tsbuildinfo/.test(file))).toEqual([]);
      if (workspacePackage.isCli) expect(files.filter((file) => file.endsWith('.d.ts'))).toEqual([]);
    });

    it('declares every package its published code imports and imports every runtime dependency it declares', async () => {
      const imported = new Set<string>();
      for (const file of (await filesIn(tarballs.get(path)!)).filter((name) => name.endsWith('.js')).map((name) => join(directory, name))) {
        for (const name of importedPackages(readFileSync(file, 'utf8'))) imported.add(name);
      }
      const runtime = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      expect([...imported].filter((name) => !runtime.has(name)).sort(), 'imported but not declared').toEqual([]);
      expect(
        Object.keys(manifest.dependencies ?? {})
          .filter((name) => !imported.has(name))
          .sort(),
        'declared but never imported',
      ).toEqual([]);
    });

    it('passes publint (strict)', async () => {
      // publint packs again itself: on the real directory it can also tell files that exist but are not published.
      const { messages, pkg } = await publint({ pkgDir: directory, strict: true, pack: 'pnpm' });
      expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`)).toEqual([]);
    });

    it.skipIf(workspacePackage.isCli)(
      'passes arethetypeswrong with the esm-only profile',
      async () => {
        const attw = join(workspaceRoot, 'node_modules', '.bin', 'attw');
        const result = await run(attw, [tarballs.get(path)!, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji']);
        expect(result.code, `${relative(workspaceRoot, directory)}:\n${result.output}`).toBe(0);
      },
      60_000,
    );
  },
);
