import { execFile } from 'node:child_process';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { S3Client } from '@aws-sdk/client-s3';
import { Client, FTPError } from 'basic-ftp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { deletePrefix, listKeys, prefixOf } from '@ftp/test-utils/s3';
import { createS3Storage } from '../src/index.ts';
import { isAbortMultipartUpload, isUploadPart } from './support/fault-proxy.ts';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

// The whole server over the s3 connector, driven by basic-ftp (and Python's ftplib for REST+STOR, which basic-ftp
// cannot send). The S3 server runs in a child process, so the memory measured here is the FTP server's and the
// connector's alone (plus the test client's).
const mebibyte = 1024 * 1024;
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const fixture = useS3ThroughProxy();

async function connect(port: number): Promise<Client> {
  const client = new Client(30_000);
  onTestFinished(() => client.close());
  await client.access({ host: '127.0.0.1', port, user: 'alice', password: 'any' });
  return client;
}

async function download(client: Client, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk));
  await client.downloadTo(sink, path);
  return Buffer.concat(chunks);
}

/** A bare control connection for what basic-ftp cannot do (a RETR without connecting); `send` resolves with the final reply. */
async function rawControl(port: number): Promise<{ send(line: string): Promise<string>; close(): Promise<void> }> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  socket.setEncoding('latin1');
  const lines: string[] = [];
  let buffered = '';
  let wake = (): void => {};
  socket.on('data', (text: string) => {
    buffered += text;
    const parts = buffered.split('\r\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    wake();
  });
  const nextFinalReply = async (): Promise<string> => {
    for (;;) {
      const index = lines.findIndex((line) => /^\d{3} /.test(line));
      if (index !== -1) return lines.splice(0, index + 1).at(-1)!;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  await nextFinalReply(); // 220
  return {
    send: async (line) => {
      socket.write(`${line}\r\n`);
      return nextFinalReply();
    },
    close: async () => {
      socket.end('QUIT\r\n');
      if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve));
    },
  };
}

/** Polls an outside effect that has no event to wait on (what S3 received through the proxy). */
async function until(probe: () => boolean, description: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (probe()) return;
    await delay(20);
  }
  throw new Error(`timed out waiting for ${description}`);
}

/** `total` random bytes in 1 MiB chunks, hashed as they are produced. */
async function* randomChunks(total: number, hash: Hash): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += mebibyte) {
    const chunk = randomBytes(Math.min(mebibyte, total - sent));
    hash.update(chunk);
    yield chunk;
  }
}

/**
 * A full garbage collection, made available at run time (`--expose-gc` for new contexts), so the memory a finished
 * transfer still holds can be told apart from garbage that V8 has not collected yet.
 */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** JavaScript heap plus buffers this process holds after a full collection. */
function retainedMemory(collect: () => void): number {
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Samples the resident set size every 20 ms while a transfer runs; `peak()` is the highest value seen. */
function sampleResidentMemory(): { peak(): number; stop(): void } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return { peak: () => Math.max(peak, process.memoryUsage().rss), stop: () => clearInterval(timer) };
}

describe('FTP over the s3 connector', () => {
  it('uploads and downloads 256 MiB byte for byte while the server memory stays bounded', async () => {
    // Straight to the S3 server: the fault proxy runs in this process and would add its own buffers to the figure.
    const { port, prefix } = await fixture.serve({ endpoint: fixture.s3.endpoint, partSize: 5 * mebibyte, queueSize: 4 });
    const client = await connect(port);
    // Warm-up: the first transfer loads code and fills the SDK's and the server's pools; it is not what is measured.
    await client.uploadFrom(Readable.from([randomBytes(9 * mebibyte)]), 'warm-up.bin');
    await download(client, 'warm-up.bin');
    const total = 256 * mebibyte;
    const collect = garbageCollector();
    const retainedBefore = retainedMemory(collect);
    const baseline = process.memoryUsage().rss;
    const memory = sampleResidentMemory();
    const uploadHash = createHash('sha256');
    await client.uploadFrom(Readable.from(randomChunks(total, uploadHash)), 'big.bin');
    const uploadPeak = memory.peak();
    const retainedAfterUpload = retainedMemory(collect);
    expect(await client.size('big.bin')).toBe(total);
    const downloadHash = createHash('sha256');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        downloadHash.update(chunk);
        done();
      },
    });
    await client.downloadTo(sink, 'big.bin');
    const peak = memory.peak();
    memory.stop();
    expect(downloadHash.digest('hex')).toBe(uploadHash.digest('hex'));
    const inMebibytes = (bytes: number): string => `${(bytes / mebibyte).toFixed(1)} MiB`;
    console.info(
      `256 MiB through FTP+S3 (partSize 5 MiB x queueSize 4): RSS ${inMebibytes(baseline)} before, peak growth ` +
        `${inMebibytes(uploadPeak - baseline)} during the upload and ${inMebibytes(peak - baseline)} overall; ` +
        `heap+buffers after GC ${inMebibytes(retainedBefore)} before, ${inMebibytes(retainedAfterUpload)} after the upload`,
    );
    // Parts in memory are bounded by partSize x queueSize = 20 MiB; 150 MiB leaves room for socket buffers and
    // garbage not yet collected. A server that buffered the file would grow by at least 256 MiB.
    expect((peak - baseline) / mebibyte).toBeLessThan(150);
    // Nothing of the upload stays reachable once it is done, beyond the last request body an idle keep-alive socket
    // may still reference (at most queueSize parts); a leaked chunk list would keep all 256 MiB.
    expect((retainedAfterUpload - retainedBefore) / mebibyte).toBeLessThan(64);
    expect(await listKeys(fixture.s3, prefix)).toEqual([`${prefix}big.bin`, `${prefix}warm-up.bin`]);
  }, 120_000);

  it('answers RETR with one GetObject and no HEAD, announcing the size the GetObject gave', async () => {
    const { port } = await fixture.serve();
    const client = await connect(port);
    await client.uploadFrom(Readable.from([Buffer.from('0123456789')]), 'sized.txt');
    const logged: string[] = [];
    client.ftp.verbose = true;
    client.ftp.log = (message: string) => logged.push(message);
    fixture.proxy.requests.length = 0;
    expect((await download(client, 'sized.txt')).toString()).toBe('0123456789');
    expect(fixture.proxy.requests.map((request) => request.method)).toEqual(['GET']);
    expect(logged.some((line) => line.includes('150') && line.includes('(10 bytes)'))).toBe(true);
    // REST still checks the offset against the object first (HEAD), so a resume beyond the end is a 554, not a 150.
    fixture.proxy.requests.length = 0;
    const resumed: Buffer[] = [];
    await client.downloadTo(
      new PassThrough().on('data', (chunk: Buffer) => resumed.push(chunk)),
      'sized.txt',
      6,
    );
    expect(Buffer.concat(resumed).toString()).toBe('6789');
    expect(fixture.proxy.requests.map((request) => request.method)).toEqual(['HEAD', 'GET']);
  });

  it('releases the GetObject response of a RETR whose data connection never opens', async () => {
    // One socket for every S3 request, so an unread response would stall every later one.
    const options = fixture.s3.options();
    const { region, credentials, forcePathStyle, bucket } = options;
    const prefix = prefixOf(options);
    const httpAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const busySockets = (): number => Object.values(httpAgent.sockets).reduce((sum, sockets) => sum + (sockets?.length ?? 0), 0);
    const client = new S3Client({ region, credentials, forcePathStyle, endpoint: fixture.s3.endpoint, requestHandler: { httpAgent } });
    onTestFinished(() => client.destroy());
    // The passive listener gives up after 300 ms: the RETR then fails with 425 without its signal being aborted.
    const storage = createS3Storage({ client, bucket, prefix });
    const server = createFtpServer({ authenticator: createNoAuthAuthenticator(), storage, host: '127.0.0.1', port: 0, dataTimeoutMs: 300 });
    const { port } = await server.listen();
    onTestFinished(async () => {
      await server.close({ timeoutMs: 2_000 });
      await deletePrefix(fixture.s3, prefix);
    });
    const ftp = await connect(port);
    // Larger than the socket buffers: the S3 server cannot finish sending it, so only our side can free the socket.
    const content = randomBytes(16 * mebibyte);
    await ftp.uploadFrom(Readable.from([content]), 'held.bin');
    await until(() => busySockets() === 0, 'an idle S3 socket');
    // PASV, RETR, and no data connection: the server has the GetObject response in hand, waits, and answers 425.
    const control = await rawControl(port);
    for (const line of ['USER alice', 'PASS any', 'TYPE I', 'PASV']) await control.send(line);
    expect(await control.send('RETR held.bin')).toMatch(/^425 /);
    await control.close();
    await until(() => busySockets() === 0, 'the unread GetObject response to release its socket');
    expect((await download(ftp, 'held.bin')).equals(content)).toBe(true);
  });

  it('answers 451 and keeps the session when S3 keeps failing part uploads, leaving no object', async () => {
    const { port, prefix } = await fixture.serve();
    const client = await connect(port);
    fixture.proxy.decide = (request) => (isUploadPart(request) ? 'fail' : 'forward');
    const failure = await client.uploadFrom(Readable.from([randomBytes(7 * mebibyte)]), 'faulty.bin').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FTPError);
    expect((failure as FTPError).code).toBe(451);
    fixture.proxy.decide = () => 'forward';
    expect((await client.send('NOOP')).code).toBe(200);
    expect(await client.list()).toEqual([]);
    expect(await listKeys(fixture.s3, prefix)).toEqual([]);
    expect(fixture.proxy.requests.filter(isAbortMultipartUpload).map((request) => request.status)).toEqual([204]);
  });

  it('leaves no object and aborts the multipart upload when the client drops mid-upload, resetting its data connection', async () => {
    const { port, prefix } = await fixture.serve();
    const client = await connect(port);
    async function* stalls(): AsyncGenerator<Buffer> {
      yield randomBytes(11 * mebibyte);
      await new Promise(() => {});
    }
    void client.uploadFrom(Readable.from(stalls()), 'dropped.bin').catch(() => {});
    await until(() => fixture.proxy.requests.some((request) => isUploadPart(request) && request.status === 200), 'a stored part');
    // A reset, not a FIN: the end of the data connection would end the file (RFC 959 §3.4), and the server would keep
    // the bytes that arrived (the control connection's close alone, with the data left open, is in
    // transfer-endings.int.test.ts).
    client.ftp.dataSocket?.resetAndDestroy();
    client.close();
    await until(() => fixture.proxy.requests.some((request) => isAbortMultipartUpload(request) && request.status === 204), 'the abort');
    expect(await listKeys(fixture.s3, prefix)).toEqual([]);
  });

  it('resumes with REST + STOR (ftplib) and APPE (basic-ftp), byte for byte', async () => {
    const { port } = await fixture.serve();
    const client = await connect(port);
    const original = randomBytes(6 * mebibyte + 11);
    await client.uploadFrom(Readable.from([original.subarray(0, 4 * mebibyte)]), 'resume.bin');
    const local = await mkdtemp(join(tmpdir(), 'storage-s3-ftplib-'));
    onTestFinished(() => rm(local, { recursive: true, force: true }));
    const offset = 3 * mebibyte + 5;
    await writeFile(join(local, 'rest.bin'), original.subarray(offset));
    const script = [
      'import ftplib, sys',
      'ftp = ftplib.FTP()',
      'ftp.connect("127.0.0.1", int(sys.argv[1]))',
      'ftp.login("alice", "any")',
      'with open(sys.argv[2], "rb") as source: print(ftp.storbinary("STOR resume.bin", source, rest=int(sys.argv[3])))',
      'ftp.quit()',
    ].join('\n');
    const stored = await new Promise<string>((resolve, reject) => {
      execFile(python, ['-c', script, String(port), join(local, 'rest.bin'), String(offset)], (error, stdout, stderr) =>
        error === null ? resolve(stdout) : reject(new Error(`${error.message}: ${stderr}`)),
      );
    });
    expect(stored).toMatch(/^226 /);
    expect((await download(client, 'resume.bin')).equals(original)).toBe(true);
    const tail = randomBytes(mebibyte);
    await client.appendFrom(Readable.from([tail]), 'resume.bin');
    expect((await download(client, 'resume.bin')).equals(Buffer.concat([original, tail]))).toBe(true);
  });

  it('keeps names, directories and exact sizes straight through FTP commands', async () => {
    const { port } = await fixture.serve();
    const client = await connect(port);
    await client.uploadFrom(Readable.from([Buffer.from('0123456789')]), 'foo.txt');
    expect(await client.size('foo.txt')).toBe(10);
    await expect(client.size('foo')).rejects.toMatchObject({ code: 550 });
    await client.send('MKD späce dir');
    await client.uploadFrom(Readable.from([Buffer.from('inner')]), 'späce dir/ünï 文件.txt');
    await expect(client.send('RMD späce dir')).rejects.toMatchObject({ code: 550 });
    const other = await connect(port);
    const listing = await other.list();
    expect(listing.map((entry) => [entry.name, entry.isDirectory]).sort()).toEqual([
      ['foo.txt', false],
      ['späce dir', true],
    ]);
    expect((await other.list('späce dir')).map((entry) => entry.name)).toEqual(['ünï 文件.txt']);
    expect((await other.lastMod('foo.txt')).getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    await other.rename('foo.txt', 'späce dir/bar.txt');
    expect((await download(other, 'späce dir/bar.txt')).toString()).toBe('0123456789');
  });

  it('refuses the login with 421 when the bucket does not exist', async () => {
    const { port } = await fixture.serve({ bucket: 'no-such-bucket-anywhere' });
    const client = new Client(10_000);
    onTestFinished(() => client.close());
    await expect(client.access({ host: '127.0.0.1', port, user: 'alice', password: 'any' })).rejects.toMatchObject({ code: 421 });
  });
});
