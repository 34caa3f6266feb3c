import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalAuthenticator, hashPassword } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory } from '@ftp/test-utils';
import { connectClient, startServer } from './support/index.ts';

// What classic and current clients send beyond RFC 959, each with a real client: HASH and the X* checksums (Python's
// ftplib, lftp, basic-ftp, curl) checked against sha256sum, sha1sum, sha512sum, md5sum and zlib's CRC32 of the bytes
// on disk; `mget *.txt` with tnftp and lftp, NLST and LIST of a pattern with ftplib and curl; SITE CHMOD, AVBL, CLNT.

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const user = 'carol';
const password = 'mget everything';
const passwordHash = await hashPassword(password, { logCost: 4 });

function found(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(command: string, commandArguments: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      commandArguments,
      { cwd: options.cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, HOME: options.cwd ?? process.env.HOME } },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${command} ${commandArguments.join(' ')} failed: ${stderr}${stdout}`));
        else resolve(stdout);
      },
    );
    // A client waiting on an open stdin would wait forever: it gets the script, or nothing. One that exits without
    // reading it (md5sum of a file, dd) makes the write fail with EPIPE, which is no failure of the test: its exit
    // status and output are.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** lftp's settings and login: no retries, and no AUTH TLS, since these servers have no certificate. */
const lftpOpen = (port: number) =>
  `set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 15; set ftp:ssl-allow no; open -u "${user},${password}" 127.0.0.1:${port}`;

/** The first word sha256sum and its kin print for `path`. */
async function digestOf(tool: string, path: string): Promise<string> {
  return (await run(tool, [path])).split(' ')[0]!;
}

/** zlib's CRC32 of the file, as Python computes it (there is no crc32 tool everywhere). */
async function crc32Of(path: string): Promise<string> {
  return (await run(python, ['-c', 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))', path])).trim();
}

/** Sends each line with ftplib's sendcmd and gives the reply (or the error's text) per line. */
const ftplibScript = `
import ftplib, json, sys
port, user, password, lines = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', port, timeout=30)
ftp.login(user, password)
replies = []
for line in lines:
    try:
        if line.startswith('nlst '):
            replies.append(ftp.nlst(line[5:]))
        elif line.startswith('dir '):
            found = []
            ftp.dir(line[4:], found.append)
            replies.append(found)
        else:
            replies.append(ftp.sendcmd(line))
    except ftplib.all_errors as error:
        replies.append(str(error))
ftp.quit()
print(json.dumps(replies))
`;

interface Fixture {
  readonly root: string;
  readonly local: string;
  readonly port: number;
  ftplib(...lines: string[]): Promise<Array<string | string[]>>;
}

async function fixture(): Promise<Fixture> {
  const root = await tempDirectory('ftp-classic-root-');
  const local = await tempDirectory('ftp-classic-local-');
  const { port } = await startServer({
    storage: createFsStorage({ root, fsync: false, recordChecksums: ['SHA-256', 'CRC32'] }),
    authenticator: createLocalAuthenticator({ users: [{ username: user, passwordHash, permissions: { chmod: true } }] }),
  });
  const ftplib = async (...lines: string[]) =>
    JSON.parse(await run(python, ['-c', ftplibScript, String(port), user, password, JSON.stringify(lines)])) as Array<string | string[]>;
  return { root, local, port, ftplib };
}

/** The hex digest at the end of a 213 HASH reply or a 250 X* reply. */
const digestIn = (reply: string | string[] | undefined) => String(reply).split(' ')[String(reply).startsWith('213') ? 3 : 1]?.toLowerCase();

describe('HASH and the X* checksums against the tools that hash the same bytes', () => {
  it('agrees with sha256sum, sha1sum, sha512sum, md5sum and CRC32 for every algorithm and verb (ftplib)', async () => {
    const { root, ftplib } = await fixture();
    const file = join(root, 'data.bin');
    await writeFile(file, randomBytes(3 * 1024 * 1024 + 11));
    const [sha256, sha1, sha512, md5, crc] = await Promise.all([
      digestOf('sha256sum', file),
      digestOf('sha1sum', file),
      digestOf('sha512sum', file),
      digestOf('md5sum', file),
      crc32Of(file),
    ]);
    const replies = await ftplib(
      'HASH data.bin',
      'OPTS HASH SHA-1',
      'HASH data.bin',
      'OPTS HASH SHA-512',
      'HASH data.bin',
      'OPTS HASH MD5',
      'HASH data.bin',
      'OPTS HASH CRC32',
      'HASH data.bin',
      'XSHA256 data.bin',
      'XSHA1 data.bin',
      'XSHA512 data.bin',
      'XMD5 data.bin',
      'XCRC data.bin',
    );
    expect(replies[0]).toBe(`213 SHA-256 0-${3 * 1024 * 1024 + 11} ${sha256} data.bin`);
    expect([2, 4, 6, 8].map((index) => digestIn(replies[index]))).toEqual([sha1, sha512, md5, crc]);
    expect(replies.slice(9).map(digestIn)).toEqual([sha256, sha1, sha512, md5, crc]);
    expect(replies.slice(9).every((reply) => /^250 [0-9A-F]+$/.test(String(reply)))).toBe(true);
  });

  it('hashes part of a file: REST before HASH, and a start and end for XMD5, as dd and md5sum see them', async () => {
    const { root, ftplib } = await fixture();
    const content = randomBytes(100_000);
    await writeFile(join(root, 'part.bin'), content);
    await writeFile(join(root, 'tail.expected'), content.subarray(40_000));
    await writeFile(join(root, 'middle.expected'), content.subarray(1000, 50_000));
    const [tail, middle] = await Promise.all([
      digestOf('sha256sum', join(root, 'tail.expected')),
      digestOf('md5sum', join(root, 'middle.expected')),
    ]);
    const replies = await ftplib('TYPE I', 'REST 40000', 'HASH part.bin', 'XMD5 part.bin 1000 50000');
    expect(replies[2]).toBe(`213 SHA-256 40000-100000 ${tail} part.bin`);
    expect(digestIn(replies[3])).toBe(middle);
  });

  it('answers from the checksum recorded at upload, after an MFMT too, with curl, lftp and basic-ftp', async () => {
    const { root, local, port } = await fixture();
    const content = randomBytes(2 * 1024 * 1024);
    await writeFile(join(local, 'upload.bin'), content);
    const url = `ftp://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;
    await run('curl', ['--silent', '--show-error', '-T', join(local, 'upload.bin'), url]);
    const expected = await digestOf('sha256sum', join(root, 'upload.bin'));
    const client = await connectClient(port, user, password);
    expect((await client.send('HASH upload.bin')).message).toBe(`213 SHA-256 0-${content.byteLength} ${expected} upload.bin`);
    expect((await client.send('MFMT 20200102030405 upload.bin')).code).toBe(213);
    expect((await client.send('OPTS HASH CRC32')).message).toBe('200 CRC32');
    expect(digestIn((await client.send('HASH upload.bin')).message)).toBe(await crc32Of(join(root, 'upload.bin')));
    if (found('lftp')) {
      const lftp = await run('lftp', ['-c', `${lftpOpen(port)}; quote HASH upload.bin; quote XSHA256 upload.bin`], { cwd: local });
      expect(lftp).toContain(`213 SHA-256 0-${content.byteLength} ${expected} upload.bin`);
      expect(lftp).toContain(`250 ${expected.toUpperCase()}`);
    }
  });
});

describe('mget and listings of a pattern', () => {
  async function seeded(): Promise<Fixture> {
    const seededFixture = await fixture();
    const { root } = seededFixture;
    await mkdir(join(root, 'docs'));
    for (const [name, text] of [
      ['b.txt', 'bee'],
      ['a.txt', 'ay'],
      ['c.log', 'not me'],
      ['.hidden.txt', 'hidden'],
      ['docs/inner.txt', 'not recursive'],
      ['docs/other.txt', 'in docs'],
    ]) {
      await writeFile(join(root, name!), text!);
    }
    return seededFixture;
  }

  it.skipIf(!found('tnftp'))('tnftp mget *.txt fetches exactly the matching files through NLST *.txt', async () => {
    const { local, port } = await seeded();
    // tnftp saves "docs/other.txt" under that name, into a directory that must exist.
    await mkdir(join(local, 'docs'));
    const script = `open 127.0.0.1 ${port}\nuser ${user} "${password}"\nbinary\nprompt off\nmget *.txt\nmget docs/o*.txt\nquit\n`;
    await run('tnftp', ['-n', '-p'], { cwd: local, input: script });
    expect((await readdir(local)).sort()).toEqual(['a.txt', 'b.txt', 'docs']);
    expect(await readFile(join(local, 'b.txt'), 'utf8')).toBe('bee');
    expect(await readdir(join(local, 'docs'))).toEqual(['other.txt']);
  });

  it.skipIf(!found('lftp'))('lftp mget *.txt fetches the matching files, and its nlist of a pattern lists them sorted', async () => {
    const { local, port } = await seeded();
    const listed = await run('lftp', ['-c', `${lftpOpen(port)}; mget *.txt; nlist *.txt; nlist docs/*.txt`], { cwd: local });
    expect((await readdir(local)).filter((name) => name.endsWith('.txt')).sort()).toEqual(['a.txt', 'b.txt']);
    expect(listed.split('\n').filter((line) => line !== '')).toEqual(['a.txt', 'b.txt', 'docs/inner.txt', 'docs/other.txt']);
  });

  it('ftplib nlst and dir of a pattern, and curl with NLST and LIST of one', async () => {
    const { port, ftplib } = await seeded();
    const [names, hidden, lines, nothing] = await ftplib('nlst *.txt', 'nlst .*', 'dir *.txt', 'nlst *.pdf');
    expect(names).toEqual(['a.txt', 'b.txt']);
    expect(hidden).toEqual(['.hidden.txt']);
    expect((lines as string[]).map((line) => line.split(' ').at(-1))).toEqual(['a.txt', 'b.txt']);
    expect(nothing).toEqual([]);
    const url = `ftp://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;
    // curl takes listings in ASCII mode and ends their lines its own way.
    expect((await run('curl', ['--silent', '--show-error', '-X', 'NLST *.txt', url])).split(/\r?\n/)).toEqual(['a.txt', 'b.txt', '']);
    const listing = await run('curl', ['--silent', '--show-error', '-X', 'LIST -l docs/*.txt', url]);
    expect(
      listing
        .trim()
        .split(/\r?\n/)
        .map((line) => line.split(' ').at(-1)),
    ).toEqual(['inner.txt', 'other.txt']);
  });
});

describe('SITE CHMOD, AVBL and CLNT', () => {
  it('sets modes on disk with SITE CHMOD (ftplib, curl -Q) and refuses the setuid bit', async () => {
    const { root, port, ftplib } = await fixture();
    await writeFile(join(root, 'script.sh'), '#!/bin/sh\n');
    await mkdir(join(root, 'public'));
    const replies = await ftplib(
      'SITE CHMOD 750 script.sh',
      'SITE CHMOD 4755 script.sh',
      'SITE CHMOD 700 public',
      'SITE SYMLINK script.sh link',
    );
    expect(replies).toEqual([
      '200 SITE CHMOD command successful.',
      '501 Only the permission bits 0 to 777 can be set (no setuid, setgid or sticky bit).',
      '200 SITE CHMOD command successful.',
      '502 Unknown SITE command.',
    ]);
    expect((await stat(join(root, 'script.sh'))).mode & 0o7777).toBe(0o750);
    expect((await stat(join(root, 'public'))).mode & 0o7777).toBe(0o700);
    const url = `ftp://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;
    await run('curl', ['--silent', '--show-error', '--list-only', '-Q', 'SITE CHMOD 604 script.sh', url]);
    expect((await stat(join(root, 'script.sh'))).mode & 0o7777).toBe(0o604);
  });

  it("answers AVBL with the file system's free space, as statvfs tells it, and accepts CLNT", async () => {
    const { root, ftplib } = await fixture();
    const [available, named, client] = await ftplib('AVBL', 'AVBL /', 'CLNT ftplib/3');
    const statvfs = Number(
      (await run(python, ['-c', 'import os, sys; s = os.statvfs(sys.argv[1]); print(s.f_bavail * s.f_frsize)', root])).trim(),
    );
    for (const reply of [available, named]) {
      expect(String(reply)).toMatch(/^213 \d+$/);
      // Other programs may write meanwhile: the same figure within a megabyte.
      expect(Math.abs(Number(String(reply).slice(4)) - statvfs)).toBeLessThan(1024 * 1024);
    }
    expect(client).toBe('200 Noted.');
  });
});
