import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { hashPassword, verifyPassword } from '@ftp/server';
import type { LoggedProcess } from '@ftp/test-utils';
import { Client } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, cleanEnvironment, listeningPort, runCli } from './support/cli.ts';

// The smoke test runs the built CLI exactly as users do.

let directory: string;

/** SIGTERM, as a supervisor stops the app; resolves with its exit code. */
async function stopApp(app: LoggedProcess): Promise<number | null> {
  app.child.kill('SIGTERM');
  return app.closed;
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

beforeAll(assertCliBuilt);
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-app-'));
});
afterEach(async () => {
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
    const app = runCli(['--config', join(directory, 'config.json')], { cwd: tmpdir() });

    const downloaded = await uploadAndDownload(await listeningPort(app), 'alice', 's3cret-pass', 'hello from the smoke test');
    expect(downloaded).toBe('hello from the smoke test');
    expect(await readFile(join(directory, 'data/alice/hello.txt'), 'utf8')).toBe('hello from the smoke test');

    expect(await stopApp(app)).toBe(0);
    const messages = app.logLines.map((entry) => entry.msg);
    expect(messages).toEqual(expect.arrayContaining(['starting', 'listening', 'login', 'upload', 'download', 'stopped']));
    expect(app.logLines.find((entry) => entry.msg === 'upload')).toMatchObject({ event: 'upload', username: 'alice' });
    expect(JSON.stringify(app.logLines)).not.toContain('s3cret-pass');
  });

  it('without a config file, serves ./data to user ftp with a password printed once on stderr', async () => {
    const app = runCli([], { cwd: directory, env: cleanEnvironment({ FTP_PORT: '0' }) });
    const port = await listeningPort(app);
    const password = /password: (\S+)/.exec(app.stderr())?.[1];
    expect(password).toBeDefined();

    expect(await uploadAndDownload(port, 'ftp', password!, 'default setup')).toBe('default setup');
    expect(await readFile(join(directory, 'data/hello.txt'), 'utf8')).toBe('default setup');
    expect(await stopApp(app)).toBe(0);
    expect(JSON.stringify(app.logLines)).not.toContain(password);
  });

  it('exits with code 2 and names the key for an invalid config', async () => {
    await writeFile(
      join(directory, 'config.json'),
      JSON.stringify({ authenticator: 'no-auth', storageConfig: { root: './data' }, ftpProt: 21 }),
    );
    const app = runCli(['--config', 'config.json'], { cwd: directory });
    expect(await app.closed).toBe(2);
    expect(app.stderr()).toContain('configuration error: ftpProt');
    expect(app.stderr()).toContain('did you mean "ftpPort"?');
  });

  it('hash-password prints a hash of the password read from stdin', async () => {
    const app = runCli(['hash-password'], { cwd: directory, input: 'piped password\n' });
    expect(await app.closed).toBe(0);
    expect(app.stdout()).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$\S+\n$/);
    await expect(verifyPassword('piped password', app.stdout().trim())).resolves.toBe(true);
  });

  it('--help prints usage and exits 0', async () => {
    const app = runCli(['--help'], { cwd: directory });
    expect(await app.closed).toBe(0);
    expect(app.stdout()).toContain('Usage:');
    expect(app.stdout()).toContain('hash-password');
  });
});
