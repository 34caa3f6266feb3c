import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '@ftp/plugin-api';
import { createTestPluginContext } from '@ftp/plugin-api/testing';
import { hashPassword } from '@ftp/server';
import { tempDirectory } from '@ftp/test-utils';
import { deletePrefix, listKeys, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { ConfigError } from '../src/config-error.ts';
import { loadStorageConnector } from '../src/plugins.ts';
import { startApp } from './support/in-process-app.ts';

// `storageConnector: "mounts"` as the app reads it from a config document: a directory on disk at "/", a bucket
// prefix at "/archive", and a team directory a user record mounts at "/team"; driven by basic-ftp.
let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

const password = 'virtual folders';
const passwordHash = await hashPassword(password, { logCost: 4 });

async function download(client: Client, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  await client.downloadTo(
    new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk)),
    path,
  );
  return Buffer.concat(chunks).toString();
}

describe('the mounts storage connector in the app', () => {
  it("mounts a disk, a bucket and a user record's own mount from a plain JSON config", async () => {
    const configDirectory = await tempDirectory('app-mounts-');
    await mkdir(join(configDirectory, 'home', 'alice'), { recursive: true });
    await mkdir(join(configDirectory, 'teams', 'red'), { recursive: true });
    await writeFile(join(configDirectory, 'teams', 'red', 'plan.txt'), 'red plan');
    const prefix = `app-mounts-${Date.now()}/`;
    onTestFinished(() => deletePrefix(s3, prefix));
    const { started } = await startApp(
      {
        authenticatorConfig: {
          users: [{ username: 'alice', passwordHash, attributes: { mounts: { '/team': { connector: 'teams', rootDirectory: '/red' } } } }],
        },
        storageConnector: 'mounts',
        storageConfig: {
          connectors: {
            home: { storageConnector: 'fs', storageConfig: { root: 'home/{user}', fsync: false } },
            archive: {
              storageConnector: 's3',
              storageConfig: s3.options({ prefix: `${prefix}{user}/` }),
            },
            teams: { storageConnector: 'fs', storageConfig: { root: 'teams' } },
          },
          mounts: { '/': 'home', '/archive': { connector: 'archive', crossMountRename: true } },
        },
      },
      configDirectory,
    );
    const client = new Client(15_000);
    onTestFinished(() => client.close());
    await client.access({ host: '127.0.0.1', port: started.port, user: 'alice', password });
    expect((await client.list('/')).map((entry) => `${entry.name}:${entry.isDirectory}`).sort()).toEqual(['archive:true', 'team:true']);
    expect(await download(client, '/team/plan.txt')).toBe('red plan');
    await client.uploadFrom(Readable.from([Buffer.from('kept for years')]), '/report.txt');
    await client.rename('/report.txt', '/archive/report.txt');
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}alice/report.txt`]);
    const refused = await client.send('MFMT 20200101000000 /archive/report.txt').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FTPError);
    expect((refused as FTPError).code).toBe(502);
    await client.uploadFrom(Readable.from([Buffer.from('home')]), '/home.txt');
    expect((await client.send('MFMT 20200101000000 /home.txt')).code).toBe(213);
    expect(await readFile(join(configDirectory, 'home', 'alice', 'home.txt'), 'utf8')).toBe('home');
  });

  it('names the key at fault, nested connectors included', async () => {
    const environment = { logger: silentLogger, configDirectory: process.cwd() };
    const failureOf = (config: Record<string, unknown>) =>
      loadStorageConnector('mounts', config, environment).then(
        () => undefined,
        (error: unknown) => error,
      );
    const typo = await failureOf({
      connectors: { home: { storageConnector: 'fs', storageConfig: { rot: '/srv' } } },
      mounts: { '/': 'home' },
    });
    expect(typo).toBeInstanceOf(ConfigError);
    expect((typo as ConfigError).problems.map((problem) => problem.key)).toEqual([
      'storageConfig.connectors.home.storageConfig.root',
      'storageConfig.connectors.home.storageConfig.rot',
    ]);
    const unknownName = await failureOf({
      connectors: { home: { storageConnector: 'fs', storageConfig: { root: '/srv' } } },
      mounts: { '/': 'house' },
    });
    expect((unknownName as ConfigError).key).toBe('storageConfig.mounts./');
    expect((unknownName as ConfigError).message).toContain('names the connector "house", which is not in connectors');
    const noRoot = await failureOf({
      connectors: { home: { storageConnector: 'fs', storageConfig: { root: '/srv' } } },
      mounts: { '/a': 'home' },
    });
    expect((noRoot as ConfigError).key).toBe('storageConfig.mounts');
    const nested = await failureOf({ connectors: { inner: { storageConnector: 'mounts' } }, mounts: { '/': 'inner' } });
    expect((nested as ConfigError).key).toBe('storageConfig.connectors.inner.storageConnector');
    const missing = await failureOf({ mounts: { '/': 'home' } });
    expect((missing as ConfigError).key).toBe('storageConfig.connectors');
  });

  it("checks each mount's quota, naming the key, and passes it to the mounts", async () => {
    const root = await tempDirectory('app-mounts-quota-');
    await mkdir(join(root, 'archive'));
    const environment = { logger: silentLogger, configDirectory: root };
    const connectors = {
      home: { storageConnector: 'fs', storageConfig: { root: '.' } },
      archive: { storageConnector: 'fs', storageConfig: { root: 'archive' } },
    };
    const problemsOf = (mounts: Record<string, unknown>) =>
      loadStorageConnector('mounts', { connectors, mounts }, environment).then(
        () => [],
        (error: unknown) => (error as ConfigError).problems.map((problem) => `${problem.key}: ${problem.reason}`),
      );
    expect(await problemsOf({ '/': 'home', '/a': { connector: 'archive', quota: { maxBytes: 10, maxbytes: 5 } } })).toEqual([
      'storageConfig.mounts["/a"].quota.folder: is required',
      'storageConfig.mounts["/a"].quota.maxbytes: unknown key; did you mean "maxBytes"?',
    ]);
    expect(await problemsOf({ '/': 'home', '/a': { connector: 'archive', quota: { folder: '', maxBytes: -1, maxFiles: 1.5 } } })).toEqual([
      'storageConfig.mounts["/a"].quota.folder: must be a non-empty string, the name of the quota\'s account, got ""',
      `storageConfig.mounts["/a"].quota.maxBytes: must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got -1`,
      `storageConfig.mounts["/a"].quota.maxFiles: must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got 1.5`,
    ]);
    expect(await problemsOf({ '/': 'home', '/a': { connector: 'archive', quota: 'team' } })).toEqual([
      'storageConfig.mounts["/a"].quota: must be { folder, maxBytes?, maxFiles? }, got "team"',
    ]);
    expect(await problemsOf({ '/': 'home', '/a': { connector: 'archive', rootDirectory: 5 } })).toEqual([
      'storageConfig.mounts["/a"].rootDirectory: must be an absolute virtual path such as "/incoming", got 5',
    ]);
    expect(await problemsOf({ '/': 'home', '/a': 42 })).toEqual([
      'storageConfig.mounts["/a"]: must be a connector name or { connector, rootDirectory?, crossMountRename?, quota? }, got 42',
    ]);
    expect(
      await problemsOf({
        '/': 'home',
        '/a': { connector: 'archive', quota: { folder: 'team', maxBytes: 10 } },
        '/b': { connector: 'archive', quota: { folder: 'team', maxBytes: 20 } },
      }),
    ).toEqual([
      'storageConfig.mounts./b.quota: names the folder "team" of the mount /a with other limits; one folder has one set of limits',
    ]);

    const connector = await loadStorageConnector(
      'mounts',
      {
        connectors,
        mounts: { '/': 'home', '/archive': { connector: 'archive', quota: { folder: 'archive-{user}', maxBytes: 4096, maxFiles: 3 } } },
      },
      environment,
    );
    onTestFinished(() => connector.close?.());
    const session = await connector.openSession({ username: 'alice' }, createTestPluginContext());
    onTestFinished(() => session.close?.());
    expect(session.quotaFolders?.()).toEqual([{ name: 'archive-alice', path: '/archive', maxBytes: 4096, maxFiles: 3 }]);
  });
});
