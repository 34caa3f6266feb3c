import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnLogged, type LoggedProcess } from '@ftp/test-utils';
import { configFileVariable } from '../../src/config.ts';
import { environmentVariables } from '../../src/config-schema.ts';

/** The built CLI, which these tests run as users do. CI builds before testing; locally: npx tsc -b apps/server. */
export const mainScript = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Fails the test file early, with what to do, when the CLI has not been built. Call from beforeAll. */
export function assertCliBuilt(): void {
  if (!existsSync(mainScript))
    throw new Error(`${mainScript} is missing: build first with "npx tsc -b apps/server" (CI builds before tests)`);
}

/** The parent's environment without any variable that would change the app's configuration, with `extra` set. */
export function cleanEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const environment = { ...process.env };
  for (const { variable } of environmentVariables()) delete environment[variable];
  delete environment[configFileVariable];
  return { ...environment, ...extra };
}

/** `node dist/main.js ...args` in `cwd`, with the clean environment unless `env` is given; killed when the test finishes. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): LoggedProcess {
  return spawnLogged(process.execPath, [mainScript, ...args], { env: cleanEnvironment(), ...options });
}

/** The app's `listening` line (the engine logs one of its own at debug level, with component "engine"). */
export function isListeningLine(line: Record<string, unknown>): boolean {
  return line.msg === 'listening' && line.component === undefined;
}

/** Resolves with the port of the app's `listening` line; rejects with its exit code and stderr if it ends first. */
export async function listeningPort(app: LoggedProcess): Promise<number> {
  return (await app.logLine(isListeningLine)).port as number;
}

/** The worker (`workers` > 1) whose engine logged `username`'s login. */
export async function workerOf(app: LoggedProcess, username: string): Promise<number> {
  return (await app.logLine((entry) => entry.event === 'login' && entry.username === username)).worker as number;
}

/** The pid of worker `id`, from the primary's `worker started` line. */
export async function workerPid(app: LoggedProcess, id: number): Promise<number> {
  return (await app.logLine((line) => line.msg === 'worker started' && line.worker === id)).workerPid as number;
}
