import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalAuthenticator, hashPassword } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory } from '@ftp/test-utils';
import { sha256, startServer } from './support/index.ts';

// curl as a third client: EPSV by default, EPRT/PORT with -P, TYPE A with --use-ascii, APPE/REST resume with -C -,
// MKD with --ftp-create-dirs, raw commands with -Q.

function findCurl(): string | undefined {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return 'curl';
  } catch {
    return undefined;
  }
}

const curl = findCurl();
const user = 'bob';
const password = 'p4ss-word';
const passwordHash = await hashPassword(password, { logCost: 4 });

interface Fixture {
  readonly root: string;
  readonly local: string;
  /** ftp://bob:…@127.0.0.1:port/<path> */
  url(path?: string): string;
  run(...curlArguments: string[]): Promise<string>;
}

async function fixture(): Promise<Fixture> {
  const root = await tempDirectory('ftp-curl-root-');
  const local = await tempDirectory('ftp-curl-local-');
  const { port } = await startServer({
    storage: createFsStorage({ root, fsync: false }),
    authenticator: createLocalAuthenticator({ users: [{ username: user, passwordHash }] }),
  });
  const url = (path = '') => `ftp://${user}:${password}@127.0.0.1:${port}/${path}`;
  const run = (...curlArguments: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        curl!,
        ['--silent', '--show-error', '--max-time', '60', ...curlArguments],
        { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error !== null) reject(new Error(`curl ${curlArguments.join(' ')} failed: ${stderr}`));
          else resolve(stdout);
        },
      );
    });
  return { root, local, url, run };
}

describe.skipIf(curl === undefined)('curl against the server (skipped: no curl on PATH)', () => {
  it('downloads a file (EPSV), byte-exact', async () => {
    const { root, local, url, run } = await fixture();
    const content = randomBytes(2 * 1024 * 1024 + 3);
    await writeFile(join(root, 'download.bin'), content);
    await run('--output', join(local, 'download.bin'), url('download.bin'));
    expect(sha256(await readFile(join(local, 'download.bin')))).toBe(sha256(content));
  });

  it('uploads a file with -T, byte-exact', async () => {
    const { root, local, url, run } = await fixture();
    const content = randomBytes(1024 * 1024 + 5);
    await writeFile(join(local, 'upload.bin'), content);
    await run('-T', join(local, 'upload.bin'), url('uploaded.bin'));
    expect(sha256(await readFile(join(root, 'uploaded.bin')))).toBe(sha256(content));
  });

  it('lists names with --list-only (NLST)', async () => {
    const { root, url, run } = await fixture();
    await mkdir(join(root, 'pub', 'sub'), { recursive: true });
    await writeFile(join(root, 'pub', 'a.txt'), 'a');
    await writeFile(join(root, 'pub', 'b.txt'), 'b');
    const output = await run('--list-only', url('pub/'));
    // NLST is an ASCII transfer: curl turns the CRLF line ends back into LF.
    expect(
      output
        .split('\n')
        .filter((line) => line !== '')
        .sort(),
    ).toEqual(['a.txt', 'b.txt', 'sub']);
  });

  it('transfers in active mode with -P (EPRT) and with -P --disable-eprt (PORT)', async () => {
    const { root, local, url, run } = await fixture();
    const content = randomBytes(500_000);
    await writeFile(join(root, 'active.bin'), content);
    await run('-P', '127.0.0.1', '--output', join(local, 'eprt.bin'), url('active.bin'));
    expect(sha256(await readFile(join(local, 'eprt.bin')))).toBe(sha256(content));
    await run('-P', '127.0.0.1', '--disable-eprt', '-T', join(local, 'eprt.bin'), url('port.bin'));
    expect(sha256(await readFile(join(root, 'port.bin')))).toBe(sha256(content));
  });

  it('sends CRLF on the wire in ASCII mode (--use-ascii) and stores ASCII uploads with LF', async () => {
    const { root, local, url, run } = await fixture();
    await writeFile(join(root, 'lines.txt'), 'alpha\nbeta\n');
    // curl converts the CRLF it receives in TYPE A back to LF; size_download counts the bytes on the wire.
    expect(await run('--use-ascii', '--write-out', '|%{size_download}', url('lines.txt'))).toBe('alpha\nbeta\n|13');
    expect(await run('--write-out', '|%{size_download}', url('lines.txt'))).toBe('alpha\nbeta\n|11');
    // And curl sends each LF as CRLF in TYPE A (8 bytes of file, 10 on the wire); the server stores LF again.
    await writeFile(join(local, 'lf.txt'), 'one\ntwo\n');
    expect(await run('--use-ascii', '--write-out', '%{size_upload}', '-T', join(local, 'lf.txt'), url('stored.txt'))).toBe('10');
    expect(await readFile(join(root, 'stored.txt'), 'latin1')).toBe('one\ntwo\n');
  });

  it('resumes an upload with -C - byte-exact', async () => {
    const { root, local, url, run } = await fixture();
    const content = randomBytes(1_500_000);
    await writeFile(join(local, 'whole.bin'), content);
    await writeFile(join(root, 'resumed.bin'), content.subarray(0, 600_001));
    await run('-C', '-', '-T', join(local, 'whole.bin'), url('resumed.bin'));
    const stored = await readFile(join(root, 'resumed.bin'));
    expect(stored.byteLength).toBe(content.byteLength);
    expect(sha256(stored)).toBe(sha256(content));
  });

  it('resumes a download with -C - byte-exact', async () => {
    const { root, local, url, run } = await fixture();
    const content = randomBytes(800_000);
    await writeFile(join(root, 'big.bin'), content);
    await writeFile(join(local, 'big.bin'), content.subarray(0, 300_000));
    await run('-C', '-', '--output', join(local, 'big.bin'), url('big.bin'));
    expect(sha256(await readFile(join(local, 'big.bin')))).toBe(sha256(content));
  });

  it('creates missing directories with --ftp-create-dirs', async () => {
    const { root, local, url, run } = await fixture();
    await writeFile(join(local, 'deep.txt'), 'deep');
    await run('--ftp-create-dirs', '-T', join(local, 'deep.txt'), url('one/two/three/deep.txt'));
    expect((await stat(join(root, 'one', 'two', 'three'))).isDirectory()).toBe(true);
    expect(await readFile(join(root, 'one', 'two', 'three', 'deep.txt'), 'utf8')).toBe('deep');
  });

  it('runs quote commands with -Q before and after the transfer', async () => {
    const { root, url, run } = await fixture();
    await writeFile(join(root, 'before.txt'), 'x');
    await writeFile(join(root, 'after.txt'), 'y');
    await writeFile(join(root, 'kept.txt'), 'kept');
    const output = await run('-Q', 'DELE before.txt', '-Q', '-DELE after.txt', url('kept.txt'));
    expect(output).toBe('kept');
    expect(await readdir(root)).toEqual(['kept.txt']);
  });

  it('fails the transfer when a quote command is refused', async () => {
    const { root, url, run } = await fixture();
    await writeFile(join(root, 'kept.txt'), 'kept');
    await expect(run('-Q', 'DELE missing.txt', url('kept.txt'))).rejects.toThrow(/550/);
  });
});
