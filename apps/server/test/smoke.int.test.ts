import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { hashPassword, verifyPassword } from '@ftp/server';
import { Client } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configKeys } from '../src/config-keys.ts';

// The smoke test runs the built CLI exactly as users do; CI builds before testing. Locally: pnpm exec tsc -b apps/server
const mainScript = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface RunningApp {
  readonly child: ChildProcess;
  readonly port: number;
  readonly logLines: Record<string, unknown>[];
  readonly stderr: () => string;
}

let directory: string;
const children: ChildProcess[] = [];

/** The parent's environment without anything that would change the app's configuration. */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment = { ...process.env };
  for (const definition of Object.values(configKeys)) delete environment[definition.env];
  delete environment.FTP_CONFIG;
  return { ...environment, ...extra };
}

function spawnApp(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  const child = spawn(process.execPath, [mainScript, ...args], { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** Starts the app and resolves once it logs `{"msg":"listening","port":...}`. */
async function startApp(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<RunningApp> {
  const child = spawnApp(args, options);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const logLines: Record<string, unknown>[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logLines.push(entry);
      if (entry.msg === 'listening') resolve(entry.port as number);
    });
    child.once('exit', (code) => reject(new Error(`app exited with ${code} before listening: ${stderr}`)));
  });
  return { child, port, logLines, stderr: () => stderr };
}

async function stopApp(app: RunningApp): Promise<number | null> {
  const exited = once(app.child, 'close');
  app.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

async function uploadAndDownload(port: number, user: string, password: string, content: string): Promise<string> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user, password });
    await client.uploadFrom(Readable.from([Buffer.from(content)]), 'hello.txt');
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    await client.downloadTo(sink, 'hello.txt');
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    client.close();
  }
}

beforeAll(() => {
  if (!existsSync(mainScript)) {
    throw new Error(`${mainScript} is missing: build first with "pnpm exec tsc -b apps/server" (CI builds before tests)`);
  }
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-app-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  await rm(directory, { recursive: true, force: true });
});

describe('ftp-server app', () => {
  it('serves files from a config file, logs events as JSON lines and stops cleanly on SIGTERM', async () => {
    const passwordHash = await hashPassword('s3cret-pass', { logCost: 10 });
    await writeFile(join(directory, 'users.json'), JSON.stringify({ users: [{ username: 'alice', passwordHash }] }));
    await writeFile(
      join(directory, 'config.json'),
      JSON.stringify({
        ftpPort: 0,
        authenticator: 'local',
        authenticatorConfig: { usersFile: 'users.json' },
        storageConnector: 'fs',
        storageConfig: { root: './data/{user}' },
      }),
    );
    const app = await startApp(['--config', join(directory, 'config.json')], { cwd: tmpdir(), env: cleanEnvironment() });

    const downloaded = await uploadAndDownload(app.port, 'alice', 's3cret-pass', 'hello from the smoke test');
    expect(downloaded).toBe('hello from the smoke test');
    expect(await readFile(join(directory, 'data/alice/hello.txt'), 'utf8')).toBe('hello from the smoke test');

    expect(await stopApp(app)).toBe(0);
    const messages = app.logLines.map((entry) => entry.msg);
    expect(messages).toEqual(expect.arrayContaining(['starting', 'listening', 'login', 'upload', 'download', 'stopped']));
    expect(app.logLines.find((entry) => entry.msg === 'upload')).toMatchObject({ event: 'upload', username: 'alice' });
    expect(JSON.stringify(app.logLines)).not.toContain('s3cret-pass');
  });

  it('without a config file, serves ./data to user ftp with a password printed once on stderr', async () => {
    const app = await startApp([], { cwd: directory, env: cleanEnvironment({ FTP_PORT: '0' }) });
    const password = /password: (\S+)/.exec(app.stderr())?.[1];
    expect(password).toBeDefined();

    expect(await uploadAndDownload(app.port, 'ftp', password!, 'default setup')).toBe('default setup');
    expect(await readFile(join(directory, 'data/hello.txt'), 'utf8')).toBe('default setup');
    expect(await stopApp(app)).toBe(0);
    expect(JSON.stringify(app.logLines)).not.toContain(password);
  });

  it('exits with code 2 and names the key for an invalid config', async () => {
    await writeFile(
      join(directory, 'config.json'),
      JSON.stringify({ authenticator: 'no-auth', storageConfig: { root: './data' }, ftpProt: 21 }),
    );
    const child = spawnApp(['--config', 'config.json'], { cwd: directory, env: cleanEnvironment() });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('configuration error: ftpProt');
    expect(stderr).toContain('did you mean "ftpPort"?');
  });

  it('hash-password prints a hash of the password read from stdin', async () => {
    const child = spawnApp(['hash-password'], { cwd: directory, env: cleanEnvironment() });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stdin?.end('piped password\n');
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$\S+\n$/);
    await expect(verifyPassword('piped password', stdout.trim())).resolves.toBe(true);
  });

  it('--help prints usage and exits 0', async () => {
    const child = spawnApp(['--help'], { cwd: directory, env: cleanEnvironment() });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
    expect(stdout).toContain('hash-password');
  });
});
