import { Client, type AccessOptions } from 'basic-ftp';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCertificate } from '@ftp/test-utils';
import { downloadBuffer, sha256, uploadBuffer } from './support/index.ts';
import { startTlsServer, testUser, type StartedTlsServer } from './support-tls.ts';

// basic-ftp over explicit (`secure: true`) and implicit (`secure: "implicit"`) TLS, with file-system storage:
// basic-ftp resumes the control connection's TLS session on every data connection, so the default policy applies.

const certificate = await generateCertificate();

type Mode = 'explicit' | 'implicit';

/** A basic-ftp client logged in over TLS; `verify` trusts the generated certificate instead of skipping checks. */
async function secureClient(server: StartedTlsServer, mode: Mode, verify = false): Promise<Client> {
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  const access: AccessOptions = {
    host: '127.0.0.1',
    port: mode === 'implicit' ? server.implicitPort! : server.port,
    user: testUser.user,
    password: testUser.password,
    secure: mode === 'implicit' ? 'implicit' : true,
    secureOptions: verify ? { ca: certificate.cert } : { rejectUnauthorized: false },
  };
  await client.access(access);
  return client;
}

describe.each<Mode>(['explicit', 'implicit'])('basic-ftp over %s TLS', (mode) => {
  it('logs in over an encrypted control connection and lists (PROT P)', async () => {
    const server = await startTlsServer(certificate, { implicit: true });
    await writeFile(join(server.root, 'listed.txt'), 'hello');
    const client = await secureClient(server, mode);
    const socket = client.ftp.socket as TLSSocket;
    expect(socket.encrypted).toBe(true);
    expect(socket.getPeerCertificate().fingerprint256).toBe(certificate.fingerprint256);
    const names = (await client.list()).map((entry) => entry.name);
    expect(names).toContain('listed.txt');
  });

  it('uploads, downloads and resumes a download (REST+RETR), byte-exact on disk', async () => {
    const server = await startTlsServer(certificate, { implicit: true });
    const content = randomBytes(1024 * 1024 + 333);
    const client = await secureClient(server, mode, true);
    await uploadBuffer(client, 'upload.bin', content);
    expect(sha256(await readFile(join(server.root, 'upload.bin')))).toBe(sha256(content));
    expect(sha256(await downloadBuffer(client, 'upload.bin'))).toBe(sha256(content));
    const offset = 400_001;
    expect(sha256(await downloadBuffer(client, 'upload.bin', offset))).toBe(sha256(content.subarray(offset)));
  });

  it('appends to a partial upload (APPE), byte-exact on disk', async () => {
    const server = await startTlsServer(certificate, { implicit: true });
    const content = randomBytes(300_000);
    await writeFile(join(server.root, 'partial.bin'), content.subarray(0, 123_456));
    const client = await secureClient(server, mode);
    await uploadBuffer(client, 'partial.bin', content.subarray(123_456), true);
    expect(sha256(await readFile(join(server.root, 'partial.bin')))).toBe(sha256(content));
  });
});

describe('basic-ftp and the TLS policy', () => {
  it('works with requireForLogin and requireForData on (it always sends AUTH TLS, PBSZ 0, PROT P)', async () => {
    const server = await startTlsServer(certificate, { tls: { requireForLogin: true, requireForData: true } });
    const content = randomBytes(50_000);
    const client = await secureClient(server, 'explicit');
    await uploadBuffer(client, 'strict.bin', content);
    expect(sha256(await downloadBuffer(client, 'strict.bin'))).toBe(sha256(content));
  });

  it('is refused a plain login when requireForLogin is on', async () => {
    const server = await startTlsServer(certificate, { tls: { requireForLogin: true } });
    const client = new Client(15_000);
    onTestFinished(() => client.close());
    await expect(
      client.access({ host: '127.0.0.1', port: server.port, user: testUser.user, password: testUser.password }),
    ).rejects.toMatchObject({
      code: 530,
    });
  });
});
