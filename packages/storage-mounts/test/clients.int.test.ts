import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { UserPermissions } from '@ftp/plugin-api';
import { createFtpServer, createLocalAuthenticator, hashPassword } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { createS3Storage } from '@ftp/storage-s3';
import { tempDirectory } from '@ftp/test-utils';
import { deletePrefix, listKeys, prefixOf, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { createMountedStorage } from '../src/index.ts';

// Real clients (lftp, curl, Python's ftplib, basic-ftp) against a real server whose users' trees mount a directory on
// disk at "/", a prefix of the test S3 bucket at "/archive" and another directory at "/shared".

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const password = 'mounted trees';
const passwordHash = await hashPassword(password, { logCost: 4 });

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

interface Served {
  readonly port: number;
  readonly home: string;
  readonly shared: string;
  readonly prefix: string;
}

interface ServeOptions {
  readonly directoryPermissions?: Readonly<Record<string, UserPermissions>>;
  readonly maxBytes?: number;
}

async function serve(options: ServeOptions = {}): Promise<Served> {
  const home = await tempDirectory('storage-mounts-home-');
  const shared = await tempDirectory('storage-mounts-shared-');
  const s3Options = s3.options();
  const prefix = prefixOf(s3Options);
  const server = createFtpServer({
    host: '127.0.0.1',
    port: 0,
    authenticator: createLocalAuthenticator({
      users: [
        {
          username: 'alice',
          passwordHash,
          permissions: { chmod: true },
          ...(options.directoryPermissions === undefined ? {} : { directoryPermissions: options.directoryPermissions }),
          ...(options.maxBytes === undefined ? {} : { quota: { maxBytes: options.maxBytes } }),
        },
      ],
    }),
    storage: createMountedStorage({
      mounts: {
        '/': createFsStorage({ root: home }),
        '/archive': createS3Storage(s3Options),
        '/shared': createFsStorage({ root: shared }),
      },
    }),
  });
  const { port } = await server.listen();
  onTestFinished(async () => {
    await server.close({ timeoutMs: 2_000 });
    await deletePrefix(s3, prefix);
  });
  return { port, home, shared, prefix };
}

function run(command: string, commandArguments: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      commandArguments,
      { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, HOME: cwd ?? process.env.HOME } },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${command} ${commandArguments.join(' ')} failed: ${stderr}${stdout}`));
        else resolve(stdout);
      },
    );
    child.stdin?.on('error', () => {});
    child.stdin?.end('');
  });
}

/** lftp's settings and login: no retries, no AUTH TLS (the server has no certificate). */
const lftp = (port: number, cwd: string, script: string) =>
  run(
    'lftp',
    [
      '-c',
      `set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 15; set ftp:ssl-allow no; open -u "alice,${password}" 127.0.0.1:${port}; ${script}`,
    ],
    cwd,
  );

/** Sends each line with ftplib's sendcmd and gives each reply (or the error's text). */
const ftplibScript = `
import ftplib, json, sys
port, password, lines = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', port, timeout=30)
ftp.login('alice', password)
replies = []
for line in lines:
    try:
        replies.append(ftp.sendcmd(line))
    except ftplib.all_errors as error:
        replies.append(str(error))
ftp.quit()
print(json.dumps(replies))
`;
const ftplib = async (port: number, ...lines: string[]): Promise<string[]> =>
  JSON.parse(await run(python, ['-c', ftplibScript, String(port), password, JSON.stringify(lines)])) as string[];

/**
 * Uploads `size` random bytes to `path` with ftplib's storbinary and prints the final reply or the error. A server
 * that cuts the data connection while the client still sends may reset it before the client reads the reply: the
 * reply is then still on the control connection, and read from there.
 */
const ftplibUpload = `
import ftplib, io, os, sys
port, password, path, size = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', port, timeout=30)
ftp.login('alice', password)
try:
    try:
        print(ftp.storbinary('STOR ' + path, io.BytesIO(os.urandom(size))))
    except (ConnectionResetError, BrokenPipeError):
        print(ftp.getresp())
except ftplib.all_errors as error:
    print(str(error))
`;

async function connect(port: number): Promise<Client> {
  const client = new Client(30_000);
  onTestFinished(() => client.close());
  await client.access({ host: '127.0.0.1', port, user: 'alice', password });
  return client;
}

async function download(client: Client, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await client.downloadTo(
    new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk)),
    path,
  );
  return Buffer.concat(chunks);
}

const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');

describe('lftp', () => {
  it('mirrors the whole tree down, mounts included, and mirrors a directory up into the S3 mount', async () => {
    const { port, home, shared, prefix } = await serve();
    const homeFile = randomBytes(200_000);
    const sharedFile = randomBytes(1024 * 1024 + 3);
    await writeFile(join(home, 'home.bin'), homeFile);
    await mkdir(join(shared, 'reports'));
    await writeFile(join(shared, 'reports', 'q1.bin'), sharedFile);
    const local = await tempDirectory('storage-mounts-lftp-');
    await mkdir(join(local, 'up', 'nested'), { recursive: true });
    const archived = randomBytes(2 * 1024 * 1024 + 5);
    await writeFile(join(local, 'up', 'a.txt'), 'first');
    await writeFile(join(local, 'up', 'nested', 'b.bin'), archived);

    await lftp(port, local, 'mirror -R up /archive/up');
    // (The S3 connector keeps a directory as a marker key ending in "/".)
    expect((await listKeys(s3, prefix)).filter((key) => !key.endsWith('/')).sort()).toEqual([
      `${prefix}up/a.txt`,
      `${prefix}up/nested/b.bin`,
    ]);

    await lftp(port, local, 'mirror / down');
    expect((await readdir(join(local, 'down'))).sort()).toEqual(['archive', 'home.bin', 'shared']);
    expect(sha256(await readFile(join(local, 'down', 'home.bin')))).toBe(sha256(homeFile));
    expect(sha256(await readFile(join(local, 'down', 'shared', 'reports', 'q1.bin')))).toBe(sha256(sharedFile));
    expect(await readFile(join(local, 'down', 'archive', 'up', 'a.txt'), 'utf8')).toBe('first');
    expect(sha256(await readFile(join(local, 'down', 'archive', 'up', 'nested', 'b.bin')))).toBe(sha256(archived));
  });

  it('fetches with mget from the S3 mount', async () => {
    const { port } = await serve();
    const local = await tempDirectory('storage-mounts-lftp-');
    await writeFile(join(local, 'one.txt'), 'one');
    await writeFile(join(local, 'two.txt'), 'two');
    await lftp(port, local, 'cd /archive; mput one.txt two.txt');
    const fetched = join(local, 'fetched');
    await mkdir(fetched);
    await lftp(port, fetched, 'cd /archive; mget *.txt');
    // (lftp keeps its own state in HOME, which is the working directory here.)
    expect((await readdir(fetched)).filter((name) => !name.startsWith('.')).sort()).toEqual(['one.txt', 'two.txt']);
    expect(await readFile(join(fetched, 'two.txt'), 'utf8')).toBe('two');
  });
});

describe('curl', () => {
  it('lists mount points as directories, and uploads to and downloads from the S3 mount', async () => {
    const { port, home, prefix } = await serve();
    await writeFile(join(home, 'readme.txt'), 'hello');
    const listing = await run('curl', ['-sS', '--user', `alice:${password}`, `ftp://127.0.0.1:${port}/`]);
    const lines = listing.trim().split(/\r?\n/);
    expect(lines.find((line) => line.endsWith(' archive'))).toMatch(/^d/);
    expect(lines.find((line) => line.endsWith(' shared'))).toMatch(/^d/);
    expect(lines.find((line) => line.endsWith(' readme.txt'))).toMatch(/^-/);

    const local = await tempDirectory('storage-mounts-curl-');
    const content = randomBytes(1024 * 1024 + 1);
    await writeFile(join(local, 'up.bin'), content);
    await run('curl', ['-sS', '--user', `alice:${password}`, '-T', join(local, 'up.bin'), `ftp://127.0.0.1:${port}/archive/up.bin`]);
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}up.bin`]);
    await run('curl', ['-sS', '--user', `alice:${password}`, '-o', join(local, 'down.bin'), `ftp://127.0.0.1:${port}/archive/up.bin`]);
    expect(sha256(await readFile(join(local, 'down.bin')))).toBe(sha256(content));
  });

  it('sets a modification time on the disk mount and gets 502 for it on the S3 mount', async () => {
    const { port, home } = await serve();
    await writeFile(join(home, 'here.txt'), 'x');
    const url = `ftp://127.0.0.1:${port}/`;
    await run('curl', ['-sS', '--user', `alice:${password}`, '-Q', 'MFMT 20200229123456 here.txt', url]);
    expect(await ftplib(port, 'MDTM here.txt')).toEqual(['213 20200229123456']);
    await run('curl', ['-sS', '--user', `alice:${password}`, '-T', '/dev/null', `${url}archive/there.txt`]);
    const refused = await run('curl', ['-sS', '--user', `alice:${password}`, '-Q', 'MFMT 20200229123456 archive/there.txt', url]).then(
      () => 'succeeded',
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/QUOT command failed with 502/);
  });
});

describe('ftplib', () => {
  it('sees in FEAT what one mount can do, and 502 only where the mount cannot', async () => {
    const { port, home, shared } = await serve();
    await writeFile(join(home, 'local.txt'), 'local');
    await writeFile(join(shared, 'team.txt'), 'team');
    const [features] = await ftplib(port, 'FEAT');
    expect(features).toMatch(/ MFMT\r?\n/);
    expect(features).toMatch(/ AVBL\r?\n/);
    const replies = await ftplib(
      port,
      'RNFR local.txt',
      'RNTO /archive/moved.txt',
      'SIZE /archive/moved.txt',
      'MFMT 20200101000000 /archive/moved.txt',
      'SITE CHMOD 600 /archive/moved.txt',
      'AVBL /archive',
      'HASH /archive/moved.txt',
      'MFMT 20200101000000 /shared',
      'SITE CHMOD 640 /shared/team.txt',
      'AVBL /shared',
      'MLST /archive/moved.txt',
      'MLST /shared/team.txt',
    );
    expect(replies.slice(0, 3)).toEqual(['350 Ready for RNTO.', '250 Rename successful.', '213 5']);
    expect(replies[3]).toBe('502 MFMT is not supported on the mount /archive.');
    expect(replies[4]).toBe('502 SITE CHMOD is not supported on the mount /archive.');
    expect(replies[5]).toBe('502 AVBL is not supported on the mount /archive.');
    expect(replies[6]).toContain(` ${sha256(Buffer.from('local'))} `);
    expect(replies[7]).toMatch(/^213 /);
    expect(replies[8]).toMatch(/^200 /);
    expect(replies[9]).toMatch(/^213 \d+$/);
    // Each mount's entries carry the facts its store has: no mode or unique id from S3. (Which optional facts the
    // server offers, it learns from the first entry a session shows it; see the README.)
    expect(replies[10]).toMatch(/\n type=file;size=5;[^ ]*; \/archive\/moved\.txt\r?\n/);
    expect(replies[10]).not.toMatch(/UNIX\.mode|unique/i);
    expect(replies[11]).toMatch(/\n type=file;size=4;[^ ]*; \/shared\/team\.txt\r?\n/);
    expect(await readdir(home)).toEqual([]);
    expect((await stat(join(shared, 'team.txt'))).mode & 0o777).toBe(0o640);
  });

  it('answers 553 to moving a directory between mounts, and 550 to removing a mount point', async () => {
    const { port, home } = await serve();
    await mkdir(join(home, 'folder'));
    expect(await ftplib(port, 'RNFR folder', 'RNTO /archive/folder', 'RMD /archive', 'DELE /shared', 'MKD /shared')).toEqual([
      '350 Ready for RNTO.',
      '553 Cannot move a directory between the mounts / and /archive.',
      '550 Permission denied.',
      '550 Is a directory.',
      '550 File exists.',
    ]);
    expect(await readdir(home)).toEqual(['folder']);
  });
});

describe('basic-ftp', () => {
  it('uploads, lists, moves between the three mounts and downloads', async () => {
    const { port, home, shared, prefix } = await serve();
    const client = await connect(port);
    const content = randomBytes(3 * 1024 * 1024 + 17);
    await client.uploadFrom(Readable.from([content]), '/archive/data.bin');
    expect((await client.list('/archive')).map((entry) => entry.name)).toEqual(['data.bin']);
    expect((await client.list('/')).map((entry) => `${entry.name}:${entry.isDirectory}`).sort()).toEqual(['archive:true', 'shared:true']);
    await client.rename('/archive/data.bin', '/shared/data.bin');
    expect(await listKeys(s3, prefix)).toEqual([]);
    expect(sha256(await readFile(join(shared, 'data.bin')))).toBe(sha256(content));
    await client.rename('/shared/data.bin', '/data.bin');
    expect(await readdir(shared)).toEqual([]);
    expect(sha256(await download(client, '/data.bin'))).toBe(sha256(content));
    expect(await readdir(home)).toEqual(['data.bin']);
  });

  it('applies directory permissions to a mount, and counts every mount against the user quota', async () => {
    const { port } = await serve({ directoryPermissions: { '/shared': { upload: false } }, maxBytes: 1024 * 1024 });
    const client = await connect(port);
    const refused = await client.uploadFrom(Readable.from([Buffer.from('x')]), '/shared/no.txt').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FTPError);
    expect((refused as FTPError).code).toBe(550);
    await client.uploadFrom(Readable.from([randomBytes(700 * 1024)]), '/archive/first.bin');
    // The second upload passes the quota midway: the server cuts its data connection and answers 552.
    const over = await run(python, ['-c', ftplibUpload, String(port), password, '/second.bin', String(700 * 1024)]);
    expect(over.trim()).toMatch(/^552 /);
    expect(await ftplib(port, 'SIZE /second.bin', 'SIZE /archive/first.bin')).toEqual([
      '550 No such file or directory.',
      `213 ${700 * 1024}`,
    ]);
  });
});
