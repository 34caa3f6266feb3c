import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root. */
export const workspaceRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The fields of a package.json these tests read. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly license?: string;
  readonly type?: string;
  readonly sideEffects?: boolean;
  readonly exports?: Record<string, unknown>;
  readonly bin?: Record<string, string>;
  readonly files?: readonly string[];
  readonly engines?: Record<string, string>;
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly publishConfig?: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>;
  readonly devDependencies?: Record<string, string>;
}

/** A workspace package that is packed: published ones under packages/ and apps/, and the third-party examples. */
export interface WorkspacePackage {
  /** Path from the workspace root, e.g. "packages/server". */
  readonly path: string;
  readonly directory: string;
  readonly manifest: Manifest;
  /** True for the examples, which are packaged like a third-party plugin but never published from this repository. */
  readonly isExample: boolean;
  /** True for a command-line package (under apps/): it has `bin` entries and no module to import. */
  readonly isCli: boolean;
}

function readManifest(directory: string): Manifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as Manifest;
}

/** The workspace packages under `parents` that are published (not private), and the examples. */
function packagesUnder(parents: readonly string[]): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const parent of parents) {
    for (const name of readdirSync(join(workspaceRoot, parent)).sort()) {
      const path = `${parent}/${name}`;
      const directory = join(workspaceRoot, path);
      if (!existsSync(join(directory, 'package.json'))) continue;
      const manifest = readManifest(directory);
      const isExample = parent === 'examples';
      if (manifest.private === true && !isExample) continue;
      found.push({ path, directory, manifest, isExample, isCli: parent === 'apps' });
    }
  }
  return found;
}

/**
 * Every package under packages/ and apps/ that is not private (what `changeset publish` publishes), then the
 * examples. Packages another helper is still creating (no package.json or no build yet) are left out until they have
 * a build.
 */
export function packagesToCheck(): WorkspacePackage[] {
  return packagesUnder(['packages', 'apps', 'examples']);
}

/** The files a package's entry points name: its `bin` targets for a CLI, `dist/index.js` for a library. */
export function entryFiles(workspacePackage: WorkspacePackage): string[] {
  if (!workspacePackage.isCli) return ['dist/index.js'];
  return Object.values(workspacePackage.manifest.bin ?? {}).map((target) => target.replace(/^\.\//, ''));
}

/** The built entry points of a package, which must exist before it can be packed. */
export function assertBuilt(workspacePackage: WorkspacePackage): void {
  for (const file of entryFiles(workspacePackage)) {
    if (!existsSync(join(workspacePackage.directory, file))) {
      throw new Error(`${workspacePackage.path}/${file} is missing: run "pnpm build" first (pnpm test builds before testing)`);
    }
  }
}

/** The result of a finished child process. */
export interface RunResult {
  readonly code: number | null;
  /** Standard output alone. */
  readonly stdout: string;
  /** Standard output and standard error, interleaved as they arrived. */
  readonly output: string;
}

/** Runs a command to its end and collects stdout and stderr together. Never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, output }));
  });
}

/** Like `run`, but rejects with the whole output when the command fails; resolves with standard output. */
export async function runOrThrow(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${result.output}`);
  return result.stdout;
}

/**
 * The pnpm that runs this test: `npm_execpath` when started through a pnpm script (CI runs `npx pnpm test`),
 * otherwise `pnpm` on the PATH.
 */
function pnpmCommand(): { command: string; prefix: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm(\.c?js)?$/.test(execPath)) {
    return execPath.endsWith('js') ? { command: process.execPath, prefix: [execPath] } : { command: execPath, prefix: [] };
  }
  return { command: 'pnpm', prefix: [] };
}

/**
 * Packs a workspace package with `pnpm pack` (which turns `workspace:^` ranges into real versions, as a publish
 * does) into `destination`, and returns the tarball's path.
 */
export async function packPackage(workspacePackage: WorkspacePackage, destination: string): Promise<string> {
  assertBuilt(workspacePackage);
  const before = new Set(await readdir(destination));
  const pnpm = pnpmCommand();
  await runOrThrow(pnpm.command, [...pnpm.prefix, 'pack', '--pack-destination', destination], { cwd: workspacePackage.directory });
  const created = (await readdir(destination)).filter((name) => name.endsWith('.tgz') && !before.has(name));
  if (created.length !== 1) throw new Error(`pnpm pack in ${workspacePackage.path} created ${created.length} tarballs`);
  return join(destination, created[0]!);
}

/** Finds a published package (the CLI under apps/ included) or an example by name. */
export function packageNamed(name: string): WorkspacePackage | undefined {
  return packagesToCheck().find((candidate) => candidate.manifest.name === name);
}

/** Only what npm and node need, with `extra`: no FTP_* or other variable that would change the app's configuration. */
export function userEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[key] !== undefined) environment[key] = process.env[key];
  return { ...environment, ...extra };
}

/** The `listening` line of ftp-server itself (the engine logs one of its own at debug level, with component "engine"). */
export function isListeningLine(line: Record<string, unknown>): boolean {
  return line.msg === 'listening' && line.component === undefined;
}

/**
 * Creates a project in `directory` that depends on `names` only and installs it with plain npm, as from the registry.
 * The tarballs stand in for the registry: the project's own dependencies point at them, and `overrides` sends the
 * transitive @ftp/* ranges to them too, so npm never asks the registry for an @ftp package (third-party
 * dependencies, such as undici or the AWS SDK, do come from the registry). `extra` adds dependencies by spec.
 */
export async function installProject(
  directory: string,
  names: readonly string[],
  tarballs: ReadonlyMap<string, string>,
  extra: Readonly<Record<string, string>> = {},
): Promise<void> {
  await mkdir(directory, { recursive: true });
  const fileSpec = (name: string) => `file:${tarballs.get(name)}`;
  const overrides = Object.fromEntries([...tarballs.keys()].filter((name) => !names.includes(name)).map((name) => [name, fileSpec(name)]));
  const manifest = {
    name: basename(directory),
    version: '1.0.0',
    private: true,
    dependencies: { ...Object.fromEntries(names.map((name) => [name, fileSpec(name)])), ...extra },
    overrides,
  };
  await writeFile(join(directory, 'package.json'), JSON.stringify(manifest, null, 2));
  await runOrThrow('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: directory });
}
