import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import { generateCertificate } from '@ftp/test-utils';
import { Client } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, isListeningLine, runCli } from './support/cli.ts';

// Runs the built CLI with a tls section, as an operator would.
let directory: string;

/** Starts the app; resolves with it and the ports of its `listening` line. */
async function startApp(config: Record<string, unknown>) {
  await writeFile(join(directory, 'config.json'), JSON.stringify(config));
  const app = runCli(['--config', join(directory, 'config.json')]);
  const listening = await app.logLine(isListeningLine);
  return { app, port: listening.port as number, implicitTlsPort: listening.implicitTlsPort as number };
}

/** The SHA-256 fingerprint of the certificate a new implicit-TLS connection is served. */
async function servedFingerprint(port: number): Promise<string> {
  const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

beforeAll(assertCliBuilt);
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-app-tls-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('ftp-server app with FTPS', () => {
  it('serves explicit and implicit FTPS, refuses plain logins when required, and reloads the certificate on SIGHUP', async () => {
    await generateCertificate({ directory });
    const running = await startApp({
      ftpPort: 0,
      implicitFtpsPort: 0,
      authenticator: 'no-auth',
      storageConfig: { root: './data' },
      tls: { certFile: 'cert.pem', keyFile: 'key.pem', requireForLogin: true, requireForData: true },
    });

    for (const [port, secure] of [
      [running.port, true],
      [running.implicitTlsPort, 'implicit'],
    ] as const) {
      const client = new Client(10_000);
      await client.access({ host: '127.0.0.1', port, user: 'u', password: 'p', secure, secureOptions: { rejectUnauthorized: false } });
      await client.uploadFrom(Readable.from([Buffer.from(`over ${String(secure)}`)]), `file-${String(secure)}.txt`);
      client.close();
    }
    expect(await readFile(join(directory, 'data/file-true.txt'), 'utf8')).toBe('over true');
    expect(await readFile(join(directory, 'data/file-implicit.txt'), 'utf8')).toBe('over implicit');

    const plain = new Client(10_000);
    await expect(plain.access({ host: '127.0.0.1', port: running.port, user: 'u', password: 'p' })).rejects.toThrow(/530/);
    plain.close();

    const before = await servedFingerprint(running.implicitTlsPort);
    await generateCertificate({ directory, prefix: 'new-' });
    await rename(join(directory, 'new-cert.pem'), join(directory, 'cert.pem'));
    await rename(join(directory, 'new-key.pem'), join(directory, 'key.pem'));
    running.app.child.kill('SIGHUP');
    await running.app.logLine((line) => line.msg === 'TLS certificate reloaded');
    const after = await servedFingerprint(running.implicitTlsPort);
    expect(after).not.toBe(before);
  });
});
