import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A certificate and key generated for a test. */
export interface TestCertificate {
  /** PEM certificate; self-signed, so it is also the CA a verifying client trusts. */
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** As `TLSSocket.getPeerCertificate().fingerprint256` reports it. */
  readonly fingerprint256: string;
}

export interface CertificateOptions {
  /**
   * The directory to write the files to, which the caller removes. By default a temp directory of its own, removed
   * after the test file's tests.
   */
  readonly directory?: string;
  /** Put before the file names "cert.pem" and "key.pem", e.g. "new-" for a replacement pair. */
  readonly prefix?: string;
}

/**
 * Generates a self-signed RSA certificate for 127.0.0.1 and ::1 (subject alternative names, which a verifying client
 * checks, RFC 6125 §6.2) with `openssl req -x509`. Without `directory`, call it at module level (top-level await) or
 * in `beforeAll`, where `afterAll` can be registered.
 */
export async function generateCertificate(options: CertificateOptions = {}): Promise<TestCertificate> {
  let directory = options.directory;
  if (directory === undefined) {
    const created = await mkdtemp(join(tmpdir(), 'ftp-test-cert-'));
    afterAll(() => rm(created, { recursive: true, force: true }));
    directory = created;
  }
  const prefix = options.prefix ?? '';
  const certFile = join(directory, `${prefix}cert.pem`);
  const keyFile = join(directory, `${prefix}key.pem`);
  const openSslArguments = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2'];
  openSslArguments.push('-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1');
  await new Promise<void>((resolve, reject) => {
    execFile('openssl', openSslArguments, (error, _stdout, stderr) =>
      error === null ? resolve() : reject(new Error(`openssl failed: ${stderr}`)),
    );
  });
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { cert, key, certFile, keyFile, fingerprint256: new X509Certificate(cert).fingerprint256 };
}
