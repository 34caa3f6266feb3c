import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificate } from '@ftp/test-utils';
import { sha256 } from './support/index.ts';
import { openDataConnection, passivePort, startTlsServer, testUser, tlsControlClient, type TlsControlClient } from './support-tls.ts';

// RFC 4217 policy and sequencing over raw sockets: what careful FTPS servers (vsftpd, pure-ftpd) refuse, and the
// exact replies. Clients are in the other ftps-*.int.test.ts files.

const certificate = await generateCertificate();
const { user, password } = testUser;

/** Paths this process has open (Linux: /proc/self/fd); the server runs in the test's process. */
async function openPaths(): Promise<string[]> {
  const descriptors = await readdir('/proc/self/fd');
  const targets = await Promise.all(descriptors.map((descriptor) => readlink(`/proc/self/fd/${descriptor}`).catch(() => '')));
  return targets.filter((target) => target.startsWith('/'));
}

/** Upgraded, logged in, PBSZ 0 and PROT `level` accepted, TYPE I. */
async function protectedSession(port: number, level: 'P' | 'C' = 'P'): Promise<TlsControlClient> {
  const client = await tlsControlClient(port);
  await client.upgrade();
  await client.login(user, password);
  expect((await client.command('PBSZ 0')).code).toBe(200);
  expect((await client.command(`PROT ${level}`)).code).toBe(200);
  expect((await client.command('TYPE I')).code).toBe(200);
  return client;
}

describe('FTPS sequencing (RFC 4217)', () => {
  it('advertises AUTH TLS, PBSZ and PROT in FEAT only when TLS is configured', async () => {
    const secure = await startTlsServer(certificate);
    const plain = await startTlsServer(certificate, { tls: false });
    const secureFeatures = (await (await tlsControlClient(secure.port)).command('FEAT')).lines;
    const plainClient = await tlsControlClient(plain.port);
    const plainFeatures = (await plainClient.command('FEAT')).lines;
    expect(secureFeatures).toEqual(expect.arrayContaining([' AUTH TLS', ' PBSZ', ' PROT']));
    expect(plainFeatures.filter((line) => /^ (AUTH|PBSZ|PROT)\b/.test(line))).toEqual([]);
    // A server without a certificate must not pretend it could upgrade.
    expect((await plainClient.command('AUTH TLS')).code).toBe(502);
  });

  it('answers PBSZ before AUTH and PROT before PBSZ with 503, CCC with 534', async () => {
    const { port } = await startTlsServer(certificate);
    const client = await tlsControlClient(port);
    expect((await client.command('PBSZ 0')).code).toBe(503);
    expect((await client.command('PROT P')).code).toBe(503);
    await client.upgrade();
    expect((await client.command('PROT P')).code).toBe(503);
    expect((await client.command('PBSZ 0')).code).toBe(200);
    expect((await client.command('PROT S')).code).toBe(536);
    expect((await client.command('PROT P')).code).toBe(200);
    const ccc = await client.command('CCC');
    expect(ccc.code).toBe(534);
    // The refusal keeps the control connection encrypted and usable.
    expect((await client.command('NOOP')).code).toBe(200);
    expect(client.secureSocket?.encrypted).toBe(true);
  });

  it('refuses a second AUTH TLS and AUTH after login with 503', async () => {
    const { port } = await startTlsServer(certificate);
    const upgraded = await tlsControlClient(port);
    await upgraded.upgrade();
    expect((await upgraded.command('AUTH TLS')).code).toBe(503);
    const loggedInPlain = await tlsControlClient(port);
    await loggedInPlain.login(user, password);
    expect((await loggedInPlain.command('AUTH TLS')).code).toBe(503);
  });
});

describe('FTPS policy options', () => {
  it('requireForLogin: refuses USER in clear with 530, PASS gets nowhere, and logs in after AUTH TLS', async () => {
    const { port } = await startTlsServer(certificate, { tls: { requireForLogin: true } });
    const client = await tlsControlClient(port);
    const userReply = await client.command(`USER ${user}`);
    expect(userReply.code).toBe(530);
    expect(userReply.text).toMatch(/TLS/);
    expect((await client.command(`PASS ${password}`)).code).not.toBe(230);
    expect((await client.command('PWD')).code).toBe(530);
    await client.upgrade();
    await client.login(user, password);
    expect((await client.command('PWD')).code).toBe(257);
  });

  it('minVersion: a TLSv1.3 server refuses a client that offers only TLSv1.2; the default accepts it', async () => {
    const strict = await startTlsServer(certificate, { tls: { minVersion: 'TLSv1.3' } });
    const old = await tlsControlClient(strict.port);
    await expect(old.upgrade('TLS', { maxVersion: 'TLSv1.2' })).rejects.toThrow(/protocol version|handshake failed/);
    await old.closed;
    const current = await tlsControlClient(strict.port);
    expect((await current.upgrade()).getProtocol()).toBe('TLSv1.3');
    const lenient = await startTlsServer(certificate);
    const twelve = await tlsControlClient(lenient.port);
    expect((await twelve.upgrade('TLS', { maxVersion: 'TLSv1.2' })).getProtocol()).toBe('TLSv1.2');
    await twelve.login(user, password);
  });

  it('requireForData: refuses PROT C with 534, and a transfer under PROT C with 534 before any data moves', async () => {
    const { port, root } = await startTlsServer(certificate, { tls: { requireForData: true } });
    await writeFile(join(root, 'secret.bin'), randomBytes(50_000));
    const client = await tlsControlClient(port);
    await client.upgrade();
    await client.login(user, password);
    expect((await client.command('PBSZ 0')).code).toBe(200);
    expect((await client.command('PROT C')).code).toBe(534);
    // Still PROT C (the default): a plain data connection is opened, but nothing may be sent on it.
    const data = await openDataConnection(passivePort(await client.command('PASV')), false);
    const retr = await client.command('RETR secret.bin');
    expect(retr.code).toBe(534);
    expect(retr.text).toMatch(/PROT P/);
    const upload = await openDataConnection(passivePort(await client.command('PASV')), false);
    upload.socket.end(Buffer.from('plain data that must not be stored'));
    expect((await client.command('STOR uploaded.bin')).code).toBe(534);
    expect((await client.command('QUIT')).code).toBe(221);
    // The session is gone, so its data connections are closed: they carried nothing.
    expect((await data.received).byteLength).toBe(0);
    expect((await upload.received).byteLength).toBe(0);
    expect(existsSync(join(root, 'uploaded.bin'))).toBe(false);
  });

  it('requireForData: PROT P transfers still work', async () => {
    const { port, root } = await startTlsServer(certificate, { tls: { requireForData: true } });
    const content = randomBytes(100_000);
    await writeFile(join(root, 'file.bin'), content);
    const client = await protectedSession(port);
    const data = await openDataConnection(passivePort(await client.command('PASV')), true, client.tlsSession);
    expect((await client.command('RETR file.bin')).code).toBe(150);
    expect(sha256(await data.received)).toBe(sha256(content));
    expect((await client.read()).code).toBe(226);
  });

  it('PROT C over explicit TLS without requireForData moves data in clear', async () => {
    const { port, root } = await startTlsServer(certificate);
    const content = randomBytes(70_000);
    await writeFile(join(root, 'clear.bin'), content);
    const client = await protectedSession(port, 'C');
    const data = await openDataConnection(passivePort(await client.command('PASV')), false);
    expect((await client.command('RETR clear.bin')).code).toBe(150);
    expect(sha256(await data.received)).toBe(sha256(content));
    expect((await client.read()).code).toBe(226);
  });

  it('implicit TLS: PROT C is refused with 534 and data is protected without PROT', async () => {
    const { implicitPort, root } = await startTlsServer(certificate, { implicit: true });
    const content = randomBytes(30_000);
    await writeFile(join(root, 'implicit.bin'), content);
    const client = await tlsControlClient(implicitPort!, true);
    expect(client.secureSocket?.encrypted).toBe(true);
    await client.login(user, password);
    expect((await client.command('PBSZ 0')).code).toBe(200);
    expect((await client.command('PROT C')).code).toBe(534);
    expect((await client.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(passivePort(await client.command('PASV')), true, client.tlsSession);
    expect((await client.command('RETR implicit.bin')).code).toBe(150);
    expect(await data.handshake).toBe(true);
    expect(sha256(await data.received)).toBe(sha256(content));
    expect((await client.read()).code).toBe(226);
  });
});

describe('TLS session reuse on data connections', () => {
  it('refuses a protected data connection that does not resume the control session with 522, nothing sent or stored', async () => {
    const { port, root } = await startTlsServer(certificate);
    await writeFile(join(root, 'file.bin'), randomBytes(40_000));
    const client = await protectedSession(port);
    const download = await openDataConnection(passivePort(await client.command('PASV')), true);
    expect((await client.command('RETR file.bin')).code).toBe(150);
    expect(await download.handshake).toBe(false);
    expect((await client.read()).code).toBe(522);
    expect((await download.received).byteLength).toBe(0);

    const upload = await openDataConnection(passivePort(await client.command('PASV')), true);
    expect((await client.command('STOR stolen.bin')).code).toBe(150);
    upload.socket.end(Buffer.from('data from a connection that did not resume'));
    expect((await client.read()).code).toBe(522);
    expect(existsSync(join(root, 'stolen.bin'))).toBe(false);
    // The session itself goes on, and a resuming data connection is accepted.
    const resumed = await openDataConnection(passivePort(await client.command('PASV')), true, client.tlsSession);
    expect((await client.command('LIST')).code).toBe(150);
    expect(await resumed.handshake).toBe(true);
    expect((await resumed.received).toString('utf8')).toMatch(/file\.bin/);
    expect((await client.read()).code).toBe(226);
  });

  // A RETR whose data connection fails after the file was opened (522 here, 425 on a data timeout) must close the
  // file at once: an async generator returned before its first next() never runs its finally block, so storage-fs
  // closes the handle itself in that case.
  it.runIf(existsSync('/proc/self/fd'))('closes the file it opened for a download refused with 522', async () => {
    const { port, root } = await startTlsServer(certificate);
    await writeFile(join(root, 'opened.bin'), randomBytes(40_000));
    const client = await protectedSession(port);
    const download = await openDataConnection(passivePort(await client.command('PASV')), true);
    expect((await client.command('RETR opened.bin')).code).toBe(150);
    expect((await client.read()).code).toBe(522);
    // The source is closed before the reply is sent; a handle left to the garbage collector is a leak.
    expect((await openPaths()).filter((path) => path.endsWith('/opened.bin'))).toEqual([]);
    await download.received;
  });

  it('refuses a data connection resuming another FTP session of the same server', async () => {
    const { port, root } = await startTlsServer(certificate);
    await writeFile(join(root, 'file.bin'), randomBytes(1_000));
    const victim = await protectedSession(port);
    const other = await protectedSession(port);
    // The other session's ticket was issued under another ticket key: the server cannot resume it.
    const data = await openDataConnection(passivePort(await victim.command('PASV')), true, other.tlsSession);
    expect((await victim.command('RETR file.bin')).code).toBe(150);
    expect(await data.handshake).toBe(false);
    expect((await victim.read()).code).toBe(522);
    expect((await data.received).byteLength).toBe(0);
  });

  it('accepts a data connection that does not resume when requireSessionReuse is false', async () => {
    const { port, root } = await startTlsServer(certificate, { tls: { requireSessionReuse: false } });
    const content = randomBytes(40_000);
    const client = await protectedSession(port);
    const upload = await openDataConnection(passivePort(await client.command('PASV')), true);
    expect((await client.command('STOR fresh.bin')).code).toBe(150);
    expect(await upload.handshake).toBe(false);
    upload.socket.end(content);
    expect((await client.read()).code).toBe(226);
    expect(sha256(await readFile(join(root, 'fresh.bin')))).toBe(sha256(content));
  });
});
