import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
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
  readonly files?: readonly string[];
  readonly engines?: Record<string, string>;
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly publishConfig?: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** A workspace package that is packed: published ones under packages/, and the third-party examples. */
export interface WorkspacePackage {
  /** Path from the workspace root, e.g. "packages/server". */
  readonly path: string;
  readonly directory: string;
  readonly manifest: Manifest;
  /** True for the examples, which are packaged like a third-party plugin but never published from this repository. */
  readonly isExample: boolean;
}

function readManifest(directory: string): Manifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as Manifest;
}

/**
 * Every package under packages/ that is not private (what `changeset publish` publishes), then the examples. Packages
 * another helper is still creating (no package.json or no build yet) are left out until they have a build.
 */
export function packagesToCheck(): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const parent of ['packages', 'examples']) {
    for (const name of readdirSync(join(workspaceRoot, parent)).sort()) {
      const path = `${parent}/${name}`;
      const directory = join(workspaceRoot, path);
      if (!existsSync(join(directory, 'package.json'))) continue;
      const manifest = readManifest(directory);
      const isExample = parent === 'examples';
      if (manifest.private === true && !isExample) continue;
      found.push({ path, directory, manifest, isExample });
    }
  }
  return found;
}

/** The built entry point of a package, which must exist before it can be packed. */
export function assertBuilt(workspacePackage: WorkspacePackage): void {
  if (!existsSync(join(workspacePackage.directory, 'dist', 'index.js'))) {
    throw new Error(`${workspacePackage.path}/dist is missing: run "pnpm build" first (pnpm test builds before testing)`);
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

/** Finds a package by name among `packagesToCheck()`. */
export function packageNamed(name: string): WorkspacePackage | undefined {
  return packagesToCheck().find((candidate) => candidate.manifest.name === name);
}
