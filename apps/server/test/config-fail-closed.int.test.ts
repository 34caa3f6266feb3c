import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, FTPError } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, isListeningLine, runCli } from './support/cli.ts';

// A config mistake must never open what the operator meant to close: the built CLI, started as an operator starts
// it, refuses a misspelt `userDefaults.permissions` instead of ignoring it and letting STOR and DELE through.

let directory: string;

/** Starts the app on `config`; resolves with the port it listens on, or with its exit code and stderr if it stops. */
async function startApp(config: Record<string, unknown>): Promise<{ port?: number; exitCode?: number | null; stderr: string }> {
  await writeFile(join(directory, 'ftp.json'), JSON.stringify(config));
  const app = runCli(['--config', 'ftp.json'], { cwd: directory });
  const outcome = await app.logLine(isListeningLine).then(
    (line) => ({ port: line.port as number }),
    async () => ({ exitCode: await app.closed }),
  );
  return { ...outcome, stderr: app.stderr() };
}

const closedUserDefaults = (key: string) => ({
  ftpPort: 0,
  authenticator: 'no-auth',
  storageConfig: { root: './data' },
  userDefaults: { [key]: { upload: false, delete: false } },
});

beforeAll(assertCliBuilt);
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-fail-closed-'));
  await mkdir(join(directory, 'data'));
  await writeFile(join(directory, 'data/keep.txt'), 'kept');
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('a misspelt userDefaults.permissions', () => {
  it('stops the app at start with code 2, naming the key and the spelling it meant', async () => {
    const started = await startApp(closedUserDefaults('permisions'));
    expect(started.port).toBeUndefined();
    expect(started.exitCode).toBe(2);
    expect(started.stderr).toBe(
      `ftp-server: configuration error: userDefaults.permisions (in ${join(directory, 'ftp.json')}): unknown key; did you mean "permissions"?\n`,
    );
  });

  it('spelt right, closes STOR and DELE as the operator meant', async () => {
    const started = await startApp(closedUserDefaults('permissions'));
    expect(started.port).toBeDefined();
    const client = new Client(10_000);
    try {
      await client.access({ host: '127.0.0.1', port: started.port!, user: 'anyone', password: 'any' });
      // STOR over a prepared passive connection: the refusal comes on the control connection before any data moves.
      await client.send('TYPE I');
      await client.send('PASV');
      const upload = client.send('STOR new.txt');
      await expect(upload).rejects.toBeInstanceOf(FTPError);
      await expect(upload).rejects.toMatchObject({ code: 550 });
      await expect(client.remove('keep.txt')).rejects.toMatchObject({ code: 550 });
    } finally {
      client.close();
    }
    expect(existsSync(join(directory, 'data/new.txt'))).toBe(false);
    expect(await readFile(join(directory, 'data/keep.txt'), 'utf8')).toBe('kept');
  });
});
