import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateCertificate, tempDirectory } from '@ftp/test-utils';
import { sha256 } from './support/index.ts';
import { recordCommands, startTlsServer, testUser, type StartedTlsServer } from './support-tls.ts';

// Python's ftplib.FTP_TLS: it starts TLS on a data connection only after the 150 reply, and its stock data
// connections do not resume the control connection's TLS session. python/ftps_client.py has a subclass that does.

const script = fileURLToPath(new URL('./python/ftps_client.py', import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const certificate = await generateCertificate();

type Mode = 'explicit' | 'implicit' | 'explicit-stock' | 'explicit-clear';

function run(
  server: StartedTlsServer,
  scenario: string,
  mode: Mode,
  ...scenarioArguments: (string | number)[]
): Promise<Record<string, unknown>> {
  const port = mode === 'implicit' ? server.implicitPort! : server.port;
  const argv = [
    script,
    scenario,
    mode,
    '127.0.0.1',
    String(port),
    testUser.user,
    testUser.password,
    certificate.certFile,
    ...scenarioArguments.map(String),
  ];
  return new Promise((resolve, reject) => {
    execFile(python, argv, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        reject(new Error(`ftps_client ${scenario} printed no JSON (${String(error)}): ${stdout}${stderr}`));
        return;
      }
      if (error !== null || parsed.error !== undefined) reject(new Error(`ftps_client ${scenario}: ${String(parsed.error ?? error)}`));
      else resolve(parsed);
    });
  });
}

describe('Python ftplib.FTP_TLS against the server', () => {
  it.each<Mode>(['explicit', 'implicit', 'explicit-clear'])(
    'logs in, uploads, lists, downloads and resumes both ways (REST+STOR, REST+RETR) over %s TLS',
    async (mode) => {
      const server = await startTlsServer(certificate, { implicit: true });
      const local = await tempDirectory('ftps-ftplib-');
      const content = randomBytes(900_000);
      const offset = 333_333;
      await writeFile(join(local, 'upload.bin'), content);
      // The interrupted upload REST+STOR continues: its first `offset` bytes are on the server already.
      await writeFile(join(server.root, 'resumed-data.bin'), content.subarray(0, offset));
      const commands = recordCommands(server.server);
      const result = await run(server, 'roundtrip', mode, join(local, 'upload.bin'), 'data.bin', offset);
      expect(result.version).toMatch(/^TLSv1\.[23]$/);
      expect(result.stored).toMatch(/^226 /);
      expect(result.names).toEqual(expect.arrayContaining(['data.bin', 'resumed-data.bin']));
      expect((result.list as string[]).some((line) => line.endsWith(' data.bin'))).toBe(true);
      expect(result.retrieved).toMatch(/^226 /);
      expect(result.sha256).toBe(sha256(content));
      expect(sha256(await readFile(join(server.root, 'data.bin')))).toBe(sha256(content));
      expect(result.resumedUpload).toMatch(/^226 /);
      expect(sha256(await readFile(join(server.root, 'resumed-data.bin')))).toBe(sha256(content));
      expect(result.resumedDownload).toMatch(/^226 /);
      expect(result.tailSha256).toBe(sha256(content.subarray(offset)));
      expect(result.quit).toMatch(/^221 /);
      expect(commands).toEqual(
        expect.arrayContaining([
          mode === 'explicit-clear' ? 'PROT C -> 200' : 'PROT P -> 200',
          `REST ${offset} -> 350`,
          'STOR resumed-data.bin -> 226',
          'RETR data.bin -> 226',
        ]),
      );
      expect(commands.includes('AUTH TLS -> 234')).toBe(mode !== 'implicit');
    },
  );

  it('refuses the stock FTP_TLS data connection (no session reuse) with 522, and the session goes on', async () => {
    const server = await startTlsServer(certificate);
    await writeFile(join(server.root, 'file.bin'), randomBytes(10_000));
    const result = await run(server, 'download', 'explicit-stock', 'file.bin');
    expect(result.refused).toMatch(/^522 /);
    expect(result.sha256).toBeUndefined();
    expect(result.noop).toMatch(/^200 /);
  });

  it('accepts the stock FTP_TLS data connection when requireSessionReuse is false', async () => {
    const server = await startTlsServer(certificate, { tls: { requireSessionReuse: false } });
    const content = randomBytes(10_000);
    await writeFile(join(server.root, 'file.bin'), content);
    const result = await run(server, 'download', 'explicit-stock', 'file.bin');
    expect(result.refused).toBeUndefined();
    expect(result.final).toMatch(/^226 /);
    expect(result.sha256).toBe(sha256(content));
  });

  it('is refused PROT C with 534 when requireForData is on', async () => {
    const server = await startTlsServer(certificate, { tls: { requireForData: true } });
    await writeFile(join(server.root, 'file.bin'), randomBytes(10_000));
    // PROT C itself is refused (534), so ftplib's prot_c raises before any transfer.
    await expect(run(server, 'download', 'explicit-clear', 'file.bin')).rejects.toThrow(/534/);
  });
});
