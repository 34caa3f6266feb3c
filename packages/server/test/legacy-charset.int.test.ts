import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFtpServer, createNoAuthAuthenticator, InvalidOptionError } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { epsvPort, openDataConnection, readToEnd, tempDirectory } from '@ftp/test-utils';
import { startServer } from './support/index.ts';

// Legacy clients (Chinese and Japanese Windows, old Unix tools) never send OPTS UTF8 ON and put their code page on the
// wire. With the `encoding` option the server reads and answers them in it, while the names on disk stay UTF-8. The
// client here is a raw socket that speaks bytes, so no library converts anything on either side.

const chinese = '\u4e2d\u6587'; // 中文
const script = fileURLToPath(new URL('./python/ftplib_charset_client.py', import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** One reply as it came over the wire, and its text in the charset the test expects it in. */
interface WireReply {
  readonly code: number;
  readonly bytes: Buffer;
  readonly text: string;
}

/** A control connection that writes and reads bytes in `charset` (the reply text is decoded with it). */
interface CharsetSession {
  charset: string;
  command(line: string): Promise<WireReply>;
  read(): Promise<WireReply>;
  send(line: string): void;
}

async function charsetSession(port: number, charset: string): Promise<CharsetSession> {
  const socket = connect({ host: '127.0.0.1', port });
  onTestFinished(() => void socket.destroy());
  await once(socket, 'connect');
  let buffered = Buffer.alloc(0);
  let pending: Buffer[] = [];
  const replies: Buffer[] = [];
  let wake: (() => void) | undefined;
  socket.on('close', () => wake?.());
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    // Neither GBK nor Shift_JIS uses CR or LF inside a character, so CRLF ends a line in every charset here.
    for (let end = buffered.indexOf('\r\n'); end !== -1; end = buffered.indexOf('\r\n')) {
      const line = buffered.subarray(0, end + 2);
      buffered = buffered.subarray(end + 2);
      pending.push(line);
      // A reply ends with a line "ddd " (or "ddd" alone) whose code opened it (RFC 959 §4.2).
      const first = pending[0]!.subarray(0, 4).toString('latin1');
      const head = line.subarray(0, 4).toString('latin1');
      const isLast =
        head.startsWith(first.slice(0, 3)) && (head[3] === ' ' || head[3] === '\r') && (pending.length > 1 || first[3] !== '-');
      if (isLast) {
        replies.push(Buffer.concat(pending));
        pending = [];
      }
    }
    wake?.();
  });
  const session: CharsetSession = {
    charset,
    send(line) {
      socket.write(iconv.encode(`${line}\r\n`, session.charset));
    },
    async read() {
      while (replies.length === 0) {
        if (socket.destroyed) throw new Error('connection closed before a reply arrived');
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const bytes = replies.shift()!;
      return { code: Number(bytes.subarray(0, 3).toString('latin1')), bytes, text: iconv.decode(bytes, session.charset).trimEnd() };
    },
    command(line) {
      session.send(line);
      return session.read();
    },
  };
  expect((await session.read()).code).toBe(220);
  expect((await session.command('USER legacy')).code).toBe(331);
  expect((await session.command('PASS any')).code).toBe(230);
  expect((await session.command('TYPE I')).code).toBe(200);
  return session;
}

/** EPSV, `line`, and the data connection: what the server sent on it, and the final reply. */
async function download(session: CharsetSession, line: string): Promise<{ data: Buffer; reply: WireReply }> {
  const epsv = await session.command('EPSV');
  const data = await openDataConnection(epsvPort({ code: epsv.code, lines: [epsv.text], text: epsv.text }));
  const content = readToEnd(data);
  expect((await session.command(line)).code).toBe(150);
  return { data: await content, reply: await session.read() };
}

async function upload(session: CharsetSession, line: string, content: Buffer): Promise<WireReply> {
  const epsv = await session.command('EPSV');
  const data: Socket = await openDataConnection(epsvPort({ code: epsv.code, lines: [epsv.text], text: epsv.text }));
  expect((await session.command(line)).code).toBe(150);
  data.end(content);
  return session.read();
}

/** A server with `encoding` over a real directory. */
async function legacyServer(encoding: string) {
  const root = await tempDirectory('ftp-charset-');
  const { port } = await startServer({ storage: createFsStorage({ root, fsync: false }), encoding });
  return { root, port };
}

describe('a GBK client over a real socket, with encoding "gbk"', () => {
  it('stores a Chinese name that lands as UTF-8 on disk, lists it in GBK, and speaks UTF-8 after OPTS UTF8 ON', async () => {
    const { root, port } = await legacyServer('gbk');
    const session = await charsetSession(port, 'gbk');
    const directory = `${chinese}\u76ee\u5f55`; // 中文目录

    const made = await session.command(`MKD ${directory}`);
    expect(made.bytes).toEqual(iconv.encode(`257 "/${directory}" directory created.\r\n`, 'gbk'));
    expect((await session.command(`CWD ${directory}`)).text).toBe(`250 Directory changed to "/${directory}".`);
    expect((await session.command('PWD')).text).toBe(`257 "/${directory}" is the current directory.`);

    const stored = await upload(session, `STOR ${chinese}.txt`, Buffer.from('\u4f60\u597d', 'utf8'));
    expect(stored.code).toBe(226);
    // The name on disk is the UTF-8 of the name, byte for byte; the GBK bytes are nowhere.
    expect(await readdir(root, { encoding: 'buffer' })).toEqual([Buffer.from(directory, 'utf8')]);
    expect(await readdir(join(root, directory), { encoding: 'buffer' })).toEqual([Buffer.from(`${chinese}.txt`, 'utf8')]);
    expect(await readFile(join(root, directory, `${chinese}.txt`), 'utf8')).toBe('\u4f60\u597d');

    const nlst = await download(session, 'NLST');
    expect(nlst.data).toEqual(iconv.encode(`${chinese}.txt\r\n`, 'gbk'));
    expect(nlst.reply.code).toBe(226);
    const list = await download(session, 'LIST');
    const listedName = iconv.encode(` ${chinese}.txt\r\n`, 'gbk');
    expect(list.data.subarray(-listedName.length)).toEqual(listedName);
    const retrieved = await download(session, `RETR ${chinese}.txt`);
    expect(retrieved.data.toString('utf8')).toBe('\u4f60\u597d');
    expect((await session.command(`SIZE ${chinese}.txt`)).text).toBe('213 6');

    expect((await session.command('OPTS UTF8 ON')).text).toBe('200 UTF8 mode on.');
    session.charset = 'utf8';
    const pwd = await session.command('PWD');
    expect(pwd.bytes).toEqual(Buffer.from(`257 "/${directory}" is the current directory.\r\n`, 'utf8'));
    expect((await download(session, 'NLST')).data).toEqual(Buffer.from(`${chinese}.txt\r\n`, 'utf8'));
    expect((await session.command(`CWD /${directory}`)).code).toBe(250);
  });

  it('renames and deletes by GBK names', async () => {
    const { root, port } = await legacyServer('gbk');
    await writeFile(join(root, `${chinese}.txt`), 'x');
    const session = await charsetSession(port, 'gbk');
    const renamed = '\u6587\u4ef6.txt'; // 文件.txt
    expect((await session.command(`RNFR ${chinese}.txt`)).code).toBe(350);
    expect((await session.command(`RNTO ${renamed}`)).code).toBe(250);
    expect(await readdir(root)).toEqual([renamed]);
    expect((await session.command(`DELE ${renamed}`)).code).toBe(250);
    expect(await readdir(root)).toEqual([]);
  });

  it('answers a byte sequence GBK does not define with 500, and the session goes on', async () => {
    const { port } = await legacyServer('gbk');
    const session = await charsetSession(port, 'gbk');
    // "CWD " then a lead byte that no space can follow.
    const reply = await sendRaw(session, Buffer.from([0x43, 0x57, 0x44, 0x20, 0x81, 0x20, 0x0d, 0x0a]));
    expect(reply.text).toBe('500 Command is not valid gbk.');
    expect((await session.command('NOOP')).code).toBe(200);
  });
});

/** Sends bytes that no charset made (invalid on purpose) through a second, raw write. */
async function sendRaw(session: CharsetSession, bytes: Buffer): Promise<WireReply> {
  // `send` encodes text; Latin-1 leaves each byte as it is, so the bytes go out unchanged.
  const charset = session.charset;
  session.charset = 'latin1';
  session.send(bytes.subarray(0, -2).toString('latin1'));
  session.charset = charset;
  return session.read();
}

describe('other legacy charsets', () => {
  it.each([
    { encoding: 'latin1', name: 'caf\u00e9 \u00fcber.txt' },
    { encoding: 'shift_jis', name: '\u65e5\u672c\u8a9e\u30d5\u30a1\u30a4\u30eb.txt' }, // 日本語ファイル
    { encoding: 'cp1252', name: '\u20ac price.txt' }, // € is 0x80 in Windows-1252
  ])('stores and lists "$name" over $encoding, UTF-8 on disk', async ({ encoding, name }) => {
    const { root, port } = await legacyServer(encoding);
    const session = await charsetSession(port, encoding);
    expect((await upload(session, `STOR ${name}`, Buffer.from('x'))).code).toBe(226);
    expect(await readdir(root, { encoding: 'buffer' })).toEqual([Buffer.from(name, 'utf8')]);
    expect((await download(session, 'NLST')).data).toEqual(iconv.encode(`${name}\r\n`, encoding));
    expect((await session.command(`MDTM ${name}`)).code).toBe(213);
  });

  it('leaves out of a Latin-1 listing a name Latin-1 cannot carry, which a UTF-8 session still lists', async () => {
    const { root, port } = await legacyServer('latin1');
    await writeFile(join(root, `${chinese}.txt`), 'x');
    await writeFile(join(root, 'plain.txt'), 'x');
    const session = await charsetSession(port, 'latin1');
    expect((await download(session, 'NLST')).data.toString('latin1')).toBe('plain.txt\r\n');
    await session.command('OPTS UTF8 ON');
    session.charset = 'utf8';
    expect((await download(session, 'NLST')).data.toString('utf8')).toBe(`plain.txt\r\n${chinese}.txt\r\n`);
  });
});

describe('the encoding option', () => {
  it('is refused at createFtpServer when iconv-lite does not know it, or it changes ASCII', () => {
    const create = (encoding: string) => () =>
      createFtpServer({ authenticator: createNoAuthAuthenticator(), storage: createFsStorage({ root: '/nonexistent' }), encoding });
    expect(create('klingon')).toThrow(InvalidOptionError);
    expect(create('klingon')).toThrow('encoding: "klingon" is not a charset iconv-lite knows');
    expect(create('utf16le')).toThrow('encoding: "utf16le" does not keep ASCII as it is');
  });
});

describe("Python's ftplib with encoding='gbk'", () => {
  it('makes, enters, stores, lists and retrieves Chinese names; the disk holds their UTF-8', async () => {
    const { root, port } = await legacyServer('gbk');
    const directory = `${chinese}\u76ee\u5f55`;
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const argv = [script, '127.0.0.1', String(port), 'gbk', directory, `${chinese}.txt`];
      execFile(python, argv, { timeout: 60_000 }, (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`ftplib client failed: ${String(error)} ${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, unknown>);
      });
    });
    expect(result).toEqual({
      mkd: `/${directory}`,
      pwd: `/${directory}`,
      nlst: [`${chinese}.txt`],
      listEndsWith: true,
      retrieved: 'hello from ftplib',
    });
    expect(await readdir(join(root, directory))).toEqual([`${chinese}.txt`]);
  });
});
