import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { spawnLogged, type LoggedProcess } from '@ftp/test-utils';
import { Client, FTPError } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, isListeningLine, packageNamed, userEnvironment, workspaceRoot } from './support.ts';

// The ftp-server app loads the two example plugins by package name from a config file, with no code change: the
// packages sit in the config directory's node_modules (linked to the built examples, as `npm install` of a local
// directory does), exactly where a user would install a third-party plugin.

const mainScript = join(workspaceRoot, 'apps/server/dist/main.js');
// htpasswd -bm (apr1) from Debian's apache2-utils; see examples/auth-htpasswd/test/fixtures.
const htpasswd = 'bob:$apr1$y3bxHaNM$kadHISHTPqmr2nnwl2TKH/\n';
let directory: string;

beforeAll(() => {
  if (!existsSync(mainScript)) throw new Error(`${mainScript} is missing: run "pnpm build" first (pnpm test builds before testing)`);
  for (const name of ['ftp-storage-memory-example', 'ftp-auth-htpasswd-example']) assertBuilt(packageNamed(name)!);
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-example-plugins-'));
  await mkdir(join(directory, 'node_modules'));
  await symlink(join(workspaceRoot, 'examples/storage-memory'), join(directory, 'node_modules/ftp-storage-memory-example'), 'dir');
  await symlink(join(workspaceRoot, 'examples/auth-htpasswd'), join(directory, 'node_modules/ftp-auth-htpasswd-example'), 'dir');
  await writeFile(join(directory, 'users.htpasswd'), htpasswd);
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Writes the config file, then starts the app on it (killed when the test finishes). */
async function spawnApp(config: Record<string, unknown>): Promise<LoggedProcess> {
  await writeFile(join(directory, 'config.json'), JSON.stringify(config));
  return spawnLogged(process.execPath, [mainScript, '--config', 'config.json'], { cwd: directory, env: userEnvironment() });
}

const pluginConfig = {
  ftpAddr: '127.0.0.1',
  ftpPort: 0,
  authenticator: 'ftp-auth-htpasswd-example',
  authenticatorConfig: { file: 'users.htpasswd' },
  storageConnector: 'ftp-storage-memory-example',
  storageConfig: { perUser: true, maxBytes: 1024 * 1024 },
};

describe('ftp-server with the example plugins named in its config', () => {
  it('logs in through the htpasswd plugin and stores files in the memory plugin', async () => {
    const app = await spawnApp(pluginConfig);
    const port = (await app.logLine(isListeningLine)).port as number;

    const client = new Client(10_000);
    try {
      await expect(client.access({ host: '127.0.0.1', port, user: 'bob', password: 'wrong' })).rejects.toThrow(FTPError);
      client.close();
      await client.access({ host: '127.0.0.1', port, user: 'bob', password: 's3cret!' });
      await client.uploadFrom(Readable.from([Buffer.from('kept in memory')]), 'note.txt');
      expect((await client.list()).map((entry) => entry.name)).toEqual(['note.txt']);
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (chunk: Buffer) => chunks.push(chunk));
      await client.downloadTo(sink, 'note.txt');
      expect(Buffer.concat(chunks).toString('utf8')).toBe('kept in memory');
    } finally {
      client.close();
    }
    // Nothing reached the disk: the memory plugin, not a built-in, stored the file.
    expect(existsSync(join(directory, 'data'))).toBe(false);
    app.child.kill('SIGTERM');
    expect(await app.closed).toBe(0);
  });

  it('reports a plugin option error under its config key and exits with code 2', async () => {
    const app = await spawnApp({ ...pluginConfig, storageConfig: { maxBytes: -5 } });
    expect(await app.closed).toBe(2);
    expect(app.stderr()).toContain('configuration error: storageConfig.maxBytes');
  });

  it('refuses a plugin built for another specificationVersion with a message naming both versions', async () => {
    const plugin = join(directory, 'node_modules/ftp-storage-from-the-future');
    await mkdir(plugin);
    await writeFile(
      join(plugin, 'package.json'),
      JSON.stringify({ name: 'ftp-storage-from-the-future', version: '1.0.0', type: 'module', exports: './index.js' }),
    );
    await writeFile(
      join(plugin, 'index.js'),
      `export function createStorageConnector() {
      return { specificationVersion: 'v2', name: 'future', async openSession() { return {}; } };
    }`,
    );
    const app = await spawnApp({ ...pluginConfig, storageConnector: 'ftp-storage-from-the-future', storageConfig: {} });
    expect(await app.closed).toBe(2);
    expect(app.stderr()).toContain('plugin "ftp-storage-from-the-future" implements specification "v2", this server supports v1');
  });

  it('keeps the example packages free of any import of @ftp/server', async () => {
    for (const example of ['examples/storage-memory', 'examples/auth-htpasswd']) {
      const manifest = JSON.parse(await readFile(join(workspaceRoot, example, 'package.json'), 'utf8')) as Record<
        string,
        Record<string, string> | undefined
      >;
      const declared = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.devDependencies };
      expect(Object.keys(declared)).not.toContain('@ftp/server');
      expect(manifest.peerDependencies).toEqual({ '@ftp/plugin-api': '0.x || 1.x' });
    }
  });
});
