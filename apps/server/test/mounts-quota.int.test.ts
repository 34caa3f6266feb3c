import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Client, FTPError } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { hashPassword } from '@ftp/server';
import { tempDirectory } from '@ftp/test-utils';
import { deletePrefix, listKeys, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { assertCliBuilt, listeningPort, runCli } from './support/cli.ts';

// Quota folders end to end: the built CLI started from a config file with the built-in `mounts` storage, a disk at
// "/" (one directory per user), "/archive" a per-user prefix of the test S3 bucket with a quota folder per user
// ("archive-{user}"), and "/shared" one directory on disk that every user mounts as the folder "team". alice has a
// quota of her own, bob has none; basic-ftp and curl drive it.

let s3: TestS3;
beforeAll(async () => {
  assertCliBuilt();
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

const runCurl = promisify(execFile);
const password = 'quota folders';
const passwordHash = await hashPassword(password, { logCost: 4 });

interface App {
  readonly port: number;
  readonly directory: string;
  readonly prefix: string;
}

/** Starts the CLI; `before` may place files in its directory first (the first login counts them). */
async function startCli(before: (directory: string) => Promise<void> = async () => {}): Promise<App> {
  const directory = await tempDirectory('app-mounts-quota-');
  await mkdir(join(directory, 'team'));
  await before(directory);
  const prefix = `app-mounts-quota-${randomBytes(4).toString('hex')}/`;
  onTestFinished(() => deletePrefix(s3, prefix));
  const config = {
    ftpAddr: '127.0.0.1',
    ftpPort: 0,
    authenticator: 'local',
    authenticatorConfig: {
      users: [
        { username: 'alice', passwordHash, quota: { maxBytes: 1_000_000 } },
        { username: 'bob', passwordHash },
      ],
    },
    storageConnector: 'mounts',
    storageConfig: {
      connectors: {
        home: { storageConnector: 'fs', storageConfig: { root: 'home/{user}', fsync: false } },
        archive: {
          storageConnector: 's3',
          storageConfig: s3.options({ prefix: `${prefix}{user}/` }),
        },
        team: { storageConnector: 'fs', storageConfig: { root: 'team', fsync: false } },
      },
      mounts: {
        '/': 'home',
        '/archive': { connector: 'archive', quota: { folder: 'archive-{user}', maxBytes: 1_000 } },
        '/shared': { connector: 'team', quota: { folder: 'team', maxBytes: 1_500, maxFiles: 5 } },
      },
    },
  };
  await writeFile(join(directory, 'config.json'), JSON.stringify(config));
  const app = runCli(['--config', join(directory, 'config.json')], { cwd: directory });
  return { port: await listeningPort(app), directory, prefix };
}

async function login(app: App, user: string): Promise<Client> {
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  await client.access({ host: '127.0.0.1', port: app.port, user, password });
  return client;
}

const upload = (client: Client, path: string, size: number) => client.uploadFrom(Readable.from([randomBytes(size)]), path);

/** The reply code an FTP command or transfer failed with, or 0 when it succeeded. */
async function failureCode(operation: Promise<unknown>): Promise<number> {
  try {
    await operation;
    return 0;
  } catch (error) {
    if (error instanceof FTPError) return error.code;
    throw error;
  }
}

/** The lines of SITE QUOTA, the reply code and separators left out. */
async function quotaLines(client: Client): Promise<string[]> {
  const reply = await client.send('SITE QUOTA');
  expect(reply.code).toBe(200);
  return reply.message
    .split(/\r?\n/)
    .map((line) => line.replace(/^200[- ]?/, '').trim())
    .filter((line) => line !== '' && line !== 'End of quota.');
}

/** curl's upload of `size` bytes to `path`: its exit code and the server's replies it logged. */
async function curlUpload(app: App, user: string, path: string, size: number): Promise<{ code: number; replies: string }> {
  const file = join(await tempDirectory('curl-upload-'), 'upload.bin');
  await writeFile(file, randomBytes(size));
  const arguments_ = ['-sS', '-v', '--user', `${user}:${password}`, '-T', file, `ftp://127.0.0.1:${app.port}${path}`];
  try {
    const { stderr } = await runCurl('curl', arguments_, { timeout: 30_000 });
    return { code: 0, replies: stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, replies: failed.stderr ?? '' };
  }
}

describe('mounts with a quota of their own, through the CLI', () => {
  it('refuse with 552 the upload that would pass a per-user folder, which the same upload at "/" does not, and leave no file', async () => {
    const app = await startCli();
    const alice = await login(app, 'alice');
    await upload(alice, '/archive/first.bin', 800);
    expect(await failureCode(upload(alice, '/archive/second.bin', 300))).toBe(552);
    expect(await listKeys(s3, app.prefix)).toEqual([`${app.prefix}alice/first.bin`]);
    expect((await alice.list('/archive')).map((entry) => entry.name)).toEqual(['first.bin']);
    // APPE is bounded by the folder too, and leaves the file as it was.
    expect(await failureCode(alice.appendFrom(Readable.from([randomBytes(300)]), '/archive/first.bin'))).toBe(552);
    expect(await alice.size('/archive/first.bin')).toBe(800);
    // curl sees the same refusal for the folder, and its upload at "/", which only alice's own quota bounds, is stored.
    const refused = await curlUpload(app, 'alice', '/archive/third.bin', 300);
    expect(refused.code).not.toBe(0);
    expect(refused.replies).toMatch(/^< 552 /m);
    expect(await listKeys(s3, app.prefix)).toEqual([`${app.prefix}alice/first.bin`]);
    expect((await curlUpload(app, 'alice', '/second.bin', 300)).code).toBe(0);
    await upload(alice, '/third.bin', 300);
    expect((await stat(join(app.directory, 'home', 'alice', 'second.bin'))).size).toBe(300);
    // "{user}" makes the folder bob's own: alice's 800 bytes do not count there.
    const bob = await login(app, 'bob');
    await upload(bob, '/archive/bobs.bin', 900);
    expect(await listKeys(s3, app.prefix)).toEqual([`${app.prefix}alice/first.bin`, `${app.prefix}bob/bobs.bin`]);
  });

  it("count every user's files in a shared folder, and show it in SITE QUOTA apart from the user's usage", async () => {
    const app = await startCli();
    const alice = await login(app, 'alice');
    const bob = await login(app, 'bob');
    await upload(alice, '/shared/alice.bin', 1_000);
    await upload(alice, '/mine.bin', 2_000);
    // bob has no quota of his own, but the folder's limits bound him too: alice's 1000 bytes leave him 500.
    expect(await failureCode(upload(bob, '/shared/bob.bin', 600))).toBe(552);
    expect((await readdir(join(app.directory, 'team'))).sort()).toEqual(['alice.bin']);
    await upload(bob, '/bob.bin', 600);
    await upload(bob, '/shared/bob.bin', 400);
    expect(await quotaLines(alice)).toEqual([
      'Quota: 2000 of 1000000 bytes, 1 of unlimited files.',
      'Quota of folder archive-alice at /archive: 0 of 1000 bytes, 0 of unlimited files.',
      'Quota of folder team at /shared: 1400 of 1500 bytes, 2 of 5 files.',
    ]);
    expect(await quotaLines(bob)).toEqual([
      'No quota for the files outside the quota folders.',
      'Quota of folder archive-bob at /archive: 0 of 1000 bytes, 0 of unlimited files.',
      'Quota of folder team at /shared: 1400 of 1500 bytes, 2 of 5 files.',
    ]);
  });

  it('move a file\'s size between "/" and a folder with RNFR/RNTO, and refuse with 552 a move the folder has no room for', async () => {
    const app = await startCli();
    const alice = await login(app, 'alice');
    await upload(alice, '/shared/base.bin', 1_000);
    await upload(alice, '/moving.bin', 300);
    await upload(alice, '/too-big.bin', 400);
    const folderLine = async () => (await quotaLines(alice)).find((line) => line.startsWith('Quota of folder team'));
    const userLine = async () => (await quotaLines(alice)).find((line) => line.startsWith('Quota:'));
    expect(await userLine()).toBe('Quota: 700 of 1000000 bytes, 2 of unlimited files.');
    await alice.rename('/moving.bin', '/shared/moving.bin');
    expect(await userLine()).toBe('Quota: 400 of 1000000 bytes, 1 of unlimited files.');
    expect(await folderLine()).toBe('Quota of folder team at /shared: 1300 of 1500 bytes, 2 of 5 files.');
    // 1300 + 400 would pass 1500: refused, the file where it was and both accounts as they were.
    expect(await failureCode(alice.rename('/too-big.bin', '/shared/too-big.bin'))).toBe(552);
    expect(await alice.size('/too-big.bin')).toBe(400);
    expect((await readdir(join(app.directory, 'team'))).sort()).toEqual(['base.bin', 'moving.bin']);
    expect(await userLine()).toBe('Quota: 400 of 1000000 bytes, 1 of unlimited files.');
    expect(await folderLine()).toBe('Quota of folder team at /shared: 1300 of 1500 bytes, 2 of 5 files.');
    // A rename inside the folder changes no account.
    await alice.rename('/shared/base.bin', '/shared/renamed.bin');
    expect(await folderLine()).toBe('Quota of folder team at /shared: 1300 of 1500 bytes, 2 of 5 files.');
    // Out of the folder again, and into the S3 folder: each account takes or gives back the size.
    await alice.rename('/shared/moving.bin', '/archive/moving.bin');
    expect(await folderLine()).toBe('Quota of folder team at /shared: 1000 of 1500 bytes, 1 of 5 files.');
    expect(await quotaLines(alice)).toContain('Quota of folder archive-alice at /archive: 300 of 1000 bytes, 1 of unlimited files.');
    expect(await listKeys(s3, app.prefix)).toEqual([`${app.prefix}alice/moving.bin`]);
    await alice.rename('/archive/moving.bin', '/back.bin');
    expect(await userLine()).toBe('Quota: 700 of 1000000 bytes, 2 of unlimited files.');
    expect(await quotaLines(alice)).toContain('Quota of folder archive-alice at /archive: 0 of 1000 bytes, 0 of unlimited files.');
    expect(await readFile(join(app.directory, 'home', 'alice', 'back.bin'))).toHaveLength(300);
  });

  it("give a folder's room back on DELE, to every user of it", async () => {
    const app = await startCli();
    const alice = await login(app, 'alice');
    const bob = await login(app, 'bob');
    await upload(alice, '/shared/big.bin', 1_200);
    expect(await failureCode(upload(bob, '/shared/bob.bin', 500))).toBe(552);
    await alice.remove('/shared/big.bin');
    await upload(bob, '/shared/bob.bin', 500);
    const folderLine = async (client: Client) => (await quotaLines(client)).find((line) => line.startsWith('Quota of folder team'));
    expect(await folderLine(alice)).toBe('Quota of folder team at /shared: 500 of 1500 bytes, 1 of 5 files.');
    // bob, without a quota of his own, moves files in and out of the folder and deletes there: the folder follows.
    await upload(bob, '/outside.bin', 200);
    await bob.rename('/outside.bin', '/shared/inside.bin');
    expect(await folderLine(alice)).toBe('Quota of folder team at /shared: 700 of 1500 bytes, 2 of 5 files.');
    await bob.rename('/shared/bob.bin', '/bob.bin');
    expect(await folderLine(alice)).toBe('Quota of folder team at /shared: 200 of 1500 bytes, 1 of 5 files.');
    await bob.remove('/shared/inside.bin');
    expect(await folderLine(bob)).toBe('Quota of folder team at /shared: 0 of 1500 bytes, 0 of 5 files.');
  });

  it('count the files already in a folder at the first login, apart from the user, and again on SITE QUOTA RESCAN', async () => {
    const app = await startCli(async (directory) => {
      await writeFile(join(directory, 'team', 'old.bin'), randomBytes(700));
      await mkdir(join(directory, 'home', 'alice'), { recursive: true });
      await writeFile(join(directory, 'home', 'alice', 'own.bin'), randomBytes(100));
    });
    const alice = await login(app, 'alice');
    expect(await quotaLines(alice)).toEqual([
      'Quota: 100 of 1000000 bytes, 1 of unlimited files.',
      'Quota of folder archive-alice at /archive: 0 of 1000 bytes, 0 of unlimited files.',
      'Quota of folder team at /shared: 700 of 1500 bytes, 1 of 5 files.',
    ]);
    // Room is what the count left: 700 + 900 would pass 1500.
    expect(await failureCode(upload(alice, '/shared/more.bin', 900))).toBe(552);
    await writeFile(join(app.directory, 'team', 'placed.bin'), randomBytes(50));
    const rescan = await alice.send('SITE QUOTA RESCAN');
    expect(rescan.message).toContain('Quota of folder team at /shared: 750 of 1500 bytes, 2 of 5 files.');
    expect(rescan.message).toContain('Quota: 100 of 1000000 bytes, 1 of unlimited files.');
  });
});
