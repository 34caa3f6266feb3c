import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificate, tempDirectory } from '@ftp/test-utils';
import { sha256 } from './support/index.ts';
import { recordCommands, startTlsServer, testUser, type StartedTlsServer } from './support-tls.ts';

// curl over explicit TLS (ftp:// with --ssl-reqd: AUTH TLS, PBSZ 0, PROT P; --ftp-ssl-control: PROT C) and implicit
// TLS (ftps://). curl resumes the control connection's TLS session on its data connections.

function findCurl(): string | undefined {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return 'curl';
  } catch {
    return undefined;
  }
}

const curl = findCurl();
const certificate = await generateCertificate();
const credentials = `${testUser.user}:${encodeURIComponent(testUser.password)}`;

type Mode = 'explicit' | 'implicit';

/** The URL and TLS arguments for `mode`; verification against the generated certificate unless `insecure`. */
function target(server: StartedTlsServer, mode: Mode, path: string, insecure = false): string[] {
  const trust = insecure ? ['--insecure'] : ['--cacert', certificate.certFile];
  if (mode === 'implicit') return [...trust, `ftps://${credentials}@127.0.0.1:${server.implicitPort}/${path}`];
  return [...trust, '--ssl-reqd', `ftp://${credentials}@127.0.0.1:${server.port}/${path}`];
}

/** Runs curl; resolves with stdout and stderr, rejects with both when curl fails. */
function run(...curlArguments: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      curl!,
      ['--silent', '--show-error', '--max-time', '30', ...curlArguments],
      { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`curl ${curlArguments.join(' ')} failed: ${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

describe.skipIf(curl === undefined)('curl over FTPS (skipped: no curl on PATH)', () => {
  describe.each<Mode>(['explicit', 'implicit'])('%s TLS', (mode) => {
    it('lists a directory and downloads a file, verifying the certificate', async () => {
      const server = await startTlsServer(certificate, { implicit: true });
      const content = randomBytes(1024 * 1024 + 7);
      await writeFile(join(server.root, 'download.bin'), content);
      const local = await tempDirectory('ftps-curl-');
      const listing = await run(...target(server, mode, ''));
      expect(listing.stdout).toMatch(/download\.bin/);
      await run('--output', join(local, 'download.bin'), ...target(server, mode, 'download.bin'));
      expect(sha256(await readFile(join(local, 'download.bin')))).toBe(sha256(content));
    });

    it('uploads, resumes an upload (-C -) and resumes a download (REST+RETR)', async () => {
      const server = await startTlsServer(certificate, { implicit: true });
      const local = await tempDirectory('ftps-curl-');
      const content = randomBytes(700_000);
      await writeFile(join(local, 'whole.bin'), content);
      const commands = recordCommands(server.server);
      await run('--upload-file', join(local, 'whole.bin'), ...target(server, mode, 'whole.bin', true));
      expect(sha256(await readFile(join(server.root, 'whole.bin')))).toBe(sha256(content));
      // Upload resume: curl asks SIZE and sends the rest.
      await writeFile(join(server.root, 'partial.bin'), content.subarray(0, 250_000));
      await run('--continue-at', '-', '--upload-file', join(local, 'whole.bin'), ...target(server, mode, 'partial.bin', true));
      expect(sha256(await readFile(join(server.root, 'partial.bin')))).toBe(sha256(content));
      // Download resume: REST 300000 then RETR.
      await writeFile(join(local, 'resumed.bin'), content.subarray(0, 300_000));
      await run('--continue-at', '-', '--output', join(local, 'resumed.bin'), ...target(server, mode, 'whole.bin', true));
      expect(sha256(await readFile(join(local, 'resumed.bin')))).toBe(sha256(content));
      expect(commands).toEqual(
        expect.arrayContaining(['PROT P -> 200', 'APPE partial.bin -> 226', 'REST 300000 -> 350', 'RETR whole.bin -> 226']),
      );
      // curl 7.x sends AUTH SSL first (the alias of AUTH TLS), newer releases AUTH TLS.
      if (mode === 'explicit') expect(commands.some((command) => /^AUTH (TLS|SSL) -> 234$/.test(command))).toBe(true);
    });
  });

  it('with --ftp-ssl-control keeps the data connection clear (PROT C) and the login encrypted', async () => {
    const server = await startTlsServer(certificate);
    const content = randomBytes(200_000);
    const local = await tempDirectory('ftps-curl-');
    await writeFile(join(local, 'clear.bin'), content);
    const commands = recordCommands(server.server);
    const url = `ftp://${credentials}@127.0.0.1:${server.port}/clear.bin`;
    await run('--ftp-ssl-control', '--insecure', '--upload-file', join(local, 'clear.bin'), url);
    expect(sha256(await readFile(join(server.root, 'clear.bin')))).toBe(sha256(content));
    const { stdout } = await run('--ftp-ssl-control', '--insecure', url);
    expect(sha256(Buffer.from(stdout, 'latin1'))).toBe(sha256(content));
    expect(commands.some((command) => /^AUTH (TLS|SSL) -> 234$/.test(command))).toBe(true);
    expect(commands.filter((command) => command.startsWith('PROT P'))).toEqual([]);
  });

  it('with --ftp-ssl-control is refused the transfer when requireForData is on', async () => {
    const server = await startTlsServer(certificate, { tls: { requireForData: true } });
    await writeFile(join(server.root, 'secret.bin'), randomBytes(1_000));
    const url = `ftp://${credentials}@127.0.0.1:${server.port}/secret.bin`;
    await expect(run('--ftp-ssl-control', '--insecure', url)).rejects.toThrow(/RETR response: 534/);
  });

  it('plain curl (no TLS) is refused the login when requireForLogin is on', async () => {
    const server = await startTlsServer(certificate, { tls: { requireForLogin: true } });
    await writeFile(join(server.root, 'file.bin'), randomBytes(1_000));
    await expect(run(`ftp://${credentials}@127.0.0.1:${server.port}/file.bin`)).rejects.toThrow(/Access denied: 530/);
    const { stdout } = await run('--ssl-reqd', '--insecure', `ftp://${credentials}@127.0.0.1:${server.port}/file.bin`);
    expect(stdout.length).toBe(1_000);
  });
});
