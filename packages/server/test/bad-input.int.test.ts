import { once } from 'node:events';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsStorage } from '@ftp/storage-fs';
import {
  tempDirectory,
  loggedInRawSession,
  openDataConnection,
  pasvPort,
  rawSession,
  rawTransfer,
  readToEnd,
  type RawSession,
} from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { startServer } from './support/index.ts';

const secret = 'TOP SECRET, never served';

/**
 * A temp dir holding the storage root `root/` and, beside it, `secret.txt` and `outside/inside.txt`, which no FTP
 * command may read, write, list, delete or rename.
 */
async function jailedServer() {
  const base = await tempDirectory();
  const root = join(base, 'root');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'secret.txt'), secret);
  await writeFile(join(base, 'outside/inside.txt'), secret);
  await writeFile(join(root, 'sub/file.txt'), 'inside the root');
  const started = await startServer({ storage: createFsStorage({ root, fsync: false }) });
  const session = await loggedInRawSession(started.port);
  expect((await session.command('TYPE I')).code).toBe(200);
  const outsideUntouched = () => {
    expect(readdirSync(base).sort()).toEqual(['outside', 'root', 'secret.txt']);
    expect(readFileSync(join(base, 'secret.txt'), 'utf8')).toBe(secret);
    expect(readdirSync(join(base, 'outside'))).toEqual(['inside.txt']);
    expect(readFileSync(join(base, 'outside/inside.txt'), 'utf8')).toBe(secret);
  };
  return { ...started, base, root, session, outsideUntouched };
}

async function greeted(port: number): Promise<RawSession> {
  const session = await rawSession(port);
  expect((await session.read()).code).toBe(220);
  return session;
}

describe('malformed command lines', () => {
  it('answers a 100 KiB line with 500 and keeps the session usable', async () => {
    const { port } = await startServer();
    const session = await greeted(port);
    session.send(`NOOP ${'x'.repeat(100 * 1024)}`);
    expect((await session.read()).code).toBe(500);
    expect((await session.command('NOOP')).code).toBe(200);
    await session.login();
    expect((await session.command('PWD')).code).toBe(257);
  });

  it('answers NUL bytes, invalid UTF-8 and unknown verbs with 500', async () => {
    const { port } = await startServer();
    const session = await greeted(port);
    session.sendBytes(Buffer.from('NO\0OP\r\n', 'latin1'));
    expect((await session.read()).code).toBe(500);
    // "CWD " + invalid UTF-8 (a lone continuation byte, a truncated sequence); 0xFF is avoided: it is Telnet IAC.
    session.sendBytes(Buffer.from([0x43, 0x57, 0x44, 0x20, 0x80, 0x61, 0xc3, 0x28, 0x0d, 0x0a]));
    expect((await session.read()).code).toBe(500);
    session.sendBytes(Buffer.from([0x4e, 0x4f, 0x4f, 0x50, 0xe2, 0x82, 0x0d, 0x0a]));
    expect((await session.read()).code).toBe(500);
    const unknown = await session.command('FROB x');
    expect(unknown.code).toBe(500);
    const hostile = await session.command('\x1b[31mEVIL');
    expect(hostile.code).toBe(500);
    expect(hostile.text).not.toContain('\x1b');
    expect((await session.command('NOOP')).code).toBe(200);
  });

  it('closes with 421 after too many bad commands', async () => {
    const { port } = await startServer({ maxBadCommands: 3 });
    const session = await greeted(port);
    for (let count = 1; count <= 3; count++) expect((await session.command(`BOGUS${count}`)).code).toBe(500);
    expect((await session.command('BOGUS4')).code).toBe(421);
    await session.closed;
    expect(session.isClosed).toBe(true);
  });
});

describe('sequence and login guards', () => {
  it('answers 530 to every command that needs a login', async () => {
    const { port } = await startServer();
    const session = await greeted(port);
    for (const line of ['PWD', 'CWD /', 'LIST', 'RETR x', 'STOR x', 'MKD x', 'DELE x', 'PASV', 'EPSV', 'SIZE x', 'MLST']) {
      expect((await session.command(line)).code, line).toBe(530);
    }
  });

  it('answers 503 to RNTO without RNFR and PASS without USER', async () => {
    const { port } = await startServer();
    const session = await greeted(port);
    expect((await session.command('PASS secret')).code).toBe(503);
    await session.login();
    expect((await session.command('RNTO b')).code).toBe(503);
    // RNFR state lasts for exactly the next command.
    const uploaded = await rawTransfer(session, 'STOR a', Buffer.from('a'));
    expect(uploaded.final?.code).toBe(226);
    expect((await session.command('RNFR a')).code).toBe(350);
    expect((await session.command('NOOP')).code).toBe(200);
    expect((await session.command('RNTO b')).code).toBe(503);
  });

  it('goes on reading after refusing AUTH TLS on a server without TLS (lftp sends it first by default)', async () => {
    const { port } = await startServer();
    const session = await greeted(port);
    expect((await session.command('AUTH TLS')).code).toBe(502);
    expect((await session.command('NOOP')).code).toBe(200);
    expect((await session.command('auth ssl')).code).toBe(502);
    await session.login();
    expect((await session.command('PWD')).code).toBe(257);
  });

  it('answers the commands that came in one packet after a refused AUTH', async () => {
    const { port } = await startServer();
    const session = await greeted(port);
    // Reading stops after an AUTH line (a TLS handshake may follow it); once AUTH is refused, the rest is commands.
    session.sendBytes(Buffer.from('AUTH TLS\r\nNOOP\r\nAUTH SSL\r\nSYST\r\n'));
    expect((await session.read()).code).toBe(502);
    expect((await session.read()).code).toBe(200);
    expect((await session.read()).code).toBe(502);
    expect((await session.read()).code).toBe(215);
  });
});

describe('data connection security', () => {
  it('refuses PORT/EPRT to a foreign address or a privileged port with 501', async () => {
    const { port } = await startServer();
    const session = await loggedInRawSession(port);
    expect((await session.command('PORT 127,0,0,2,19,136')).code).toBe(501);
    expect((await session.command('EPRT |1|127.0.0.2|5000|')).code).toBe(501);
    expect((await session.command('PORT 127,0,0,1,0,21')).code).toBe(501);
    expect((await session.command('EPRT |1|127.0.0.1|1023|')).code).toBe(501);
    // A refused PORT prepares nothing.
    expect((await session.command('LIST')).code).toBe(425);
    expect((await session.command('PORT 127,0,0,1,19,136')).code).toBe(200);
  });

  it('closes a passive data connection from another address and then accepts the client', async () => {
    const { port } = await startServer({ storage: createMemoryStorage({ files: { '/f.txt': 'payload' } }) });
    const session = await loggedInRawSession(port);
    const passivePort = pasvPort(await session.command('PASV'));
    const intruder = connect({ host: '127.0.0.1', port: passivePort, localAddress: '127.0.0.2' });
    intruder.on('error', () => undefined);
    const intruderReceived = readToEnd(intruder);
    await once(intruder, 'connect');
    expect((await intruderReceived).length).toBe(0); // resolves only when the server closed it
    const data = await openDataConnection(passivePort);
    const received = readToEnd(data);
    expect((await session.command('RETR f.txt')).code).toBe(150);
    expect((await received).toString()).toBe('payload');
    expect((await session.read()).code).toBe(226);
  });
});

describe('path traversal', () => {
  const escapes = [
    '../secret.txt',
    '../../../../secret.txt',
    '/../secret.txt',
    'sub/../../secret.txt',
    '..\\secret.txt',
    '../outside/inside.txt',
  ];

  it('keeps every path-taking command inside the root', async () => {
    const { session, outsideUntouched, root } = await jailedServer();
    for (const path of escapes) {
      const directoryOfPath = path.replace(/[^/\\]*$/, '') || '..';
      for (const line of [
        `CWD ${directoryOfPath}`,
        'CDUP',
        `SIZE ${path}`,
        `MDTM ${path}`,
        `MFMT 20000101000000 ${path}`,
        `DELE ${path}`,
        `RMD ${directoryOfPath}`,
        `MLST ${path}`,
        `STAT ${path}`,
        `STAT ${directoryOfPath}`,
        `HASH ${path}`,
      ]) {
        const reply = await session.command(line);
        expect(reply.text, line).not.toContain(secret);
        expect(reply.text, line).not.toMatch(/secret\.txt.*\d{4}|inside\.txt/);
      }
      expect((await session.command('PWD')).text).toContain('"/"');
      expect((await session.command(`RNFR ${path}`)).code).toBe(550);
      await session.command('CWD /');
      expect((await session.command('RNFR sub/file.txt')).code).toBe(350);
      const renamed = await session.command(`RNTO ${path}`);
      if (renamed.code === 250) {
        // It may only have landed inside the root; put it back.
        expect((await session.command(`RNFR ${path}`)).code).toBe(350);
        expect((await session.command('RNTO /sub/file.txt')).code).toBe(250);
      }
      await session.command(`MKD ${path}`);
      await session.command(`RMD ${path}`);
      for (const line of [
        `RETR ${path}`,
        `LIST ${directoryOfPath}`,
        `NLST ${directoryOfPath}`,
        `MLSD ${directoryOfPath}`,
        `LIST ${path}`,
      ]) {
        const result = await rawTransfer(session, line);
        expect(result.received.toString(), line).not.toContain(secret);
        expect(result.received.toString(), line).not.toMatch(/secret\.txt|inside\.txt|outside|\broot\b/);
      }
      for (const line of [`STOR ${path}`, `APPE ${path}`]) {
        await rawTransfer(session, line, Buffer.from('overwritten?'));
      }
      outsideUntouched();
      // What the commands above created lands inside the root (that is allowed); clear it for the next round.
      for (const name of await readdir(root)) if (name !== 'sub') await rm(join(root, name), { recursive: true });
      await session.command('CWD /');
    }
    // Whatever landed, landed inside the root.
    expect(existsSync(join(root, 'sub/file.txt'))).toBe(true);
  });

  it('keeps absolute paths inside the root', async () => {
    const { session, outsideUntouched, root } = await jailedServer();
    const result = await rawTransfer(session, 'RETR /etc/passwd');
    expect(result.first.code).toBe(550);
    expect(result.received.length).toBe(0);
    expect((await session.command('CWD /etc')).code).toBe(550);
    expect((await session.command('SIZE /etc/passwd')).code).toBe(550);
    const stored = await rawTransfer(session, 'STOR /tmp-escape.txt', Buffer.from('inside'));
    expect(stored.final?.code).toBe(226);
    expect(readFileSync(join(root, 'tmp-escape.txt'), 'utf8')).toBe('inside');
    outsideUntouched();
  });

  it('refuses symlinks that point outside the root', async () => {
    const { session, outsideUntouched, root, base } = await jailedServer();
    await symlink(join(base, 'secret.txt'), join(root, 'link-file'));
    await symlink(join(base, 'outside'), join(root, 'link-dir'));

    const read = await rawTransfer(session, 'RETR link-file');
    expect(read.first.code).toBe(550);
    expect(read.received.toString()).not.toContain(secret);
    const throughDirectory = await rawTransfer(session, 'RETR link-dir/inside.txt');
    expect(throughDirectory.first.code).toBe(550);

    expect((await session.command('CWD link-dir')).code).toBe(550);
    expect((await session.command('PWD')).text).toContain('"/"');
    expect((await session.command('SIZE link-file')).code).toBe(550);

    for (const line of ['LIST link-dir', 'MLSD link-dir', 'NLST link-dir']) {
      const listing = await rawTransfer(session, line);
      expect(listing.received.toString(), line).not.toContain('inside.txt');
    }

    const storedInto = await rawTransfer(session, 'STOR link-dir/new.txt', Buffer.from('escaped'));
    expect(storedInto.first.code).toBe(550);
    const appended = await rawTransfer(session, 'APPE link-file', Buffer.from('appended'));
    expect(appended.final?.code ?? appended.first.code).not.toBe(226);
    const overwritten = await rawTransfer(session, 'STOR link-file', Buffer.from('overwritten'));
    if (overwritten.final?.code === 226) {
      // Replacing the link itself is harmless; writing through it is not.
      expect(lstatSync(join(root, 'link-file')).isSymbolicLink()).toBe(false);
    }
    expect((await session.command('DELE link-dir/inside.txt')).code).toBe(550);
    expect((await session.command('RNFR link-dir/inside.txt')).code).toBe(550);
    expect((await session.command('MKD link-dir/made')).code).toBe(550);
    outsideUntouched();
    expect(statSync(join(base, 'outside')).isDirectory()).toBe(true);
  });
});
