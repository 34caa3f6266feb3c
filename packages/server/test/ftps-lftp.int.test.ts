import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificate, tempDirectory } from '@ftp/test-utils';
import { sha256 } from './support/index.ts';
import { recordCommands, startTlsServer, testUser, type StartedTlsServer } from './support-tls.ts';

// lftp (GnuTLS) over explicit TLS (ftp:ssl-force: AUTH TLS, PBSZ 0, PROT P) and implicit TLS (ftps://). lftp starts
// TLS on a data connection only after the 150 reply and resumes the control connection's TLS session there.

function findLftp(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v lftp'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const lftp = findLftp();
const certificate = await generateCertificate();

type Mode = 'explicit' | 'implicit';

interface LftpRun {
  readonly server: StartedTlsServer;
  readonly mode: Mode;
  /** Protect data connections (PROT P). Default true. */
  readonly protectData?: boolean;
  /** Commands after `open`, joined with "; ". */
  readonly commands: readonly string[];
  /** lftp's working directory and HOME (so no user rc file is read). */
  readonly cwd: string;
}

/** Runs lftp -c with the TLS settings; resolves with stdout, rejects with stderr when lftp exits non-zero. */
function run({ server, mode, protectData = true, commands, cwd }: LftpRun): Promise<string> {
  const settings = [
    'set cmd:fail-exit yes',
    'set net:max-retries 1',
    'set net:timeout 15',
    'set ssl:verify-certificate no',
    'set ftp:ssl-force true',
    `set ftp:ssl-protect-data ${protectData}`,
    `set ftp:ssl-protect-list ${protectData}`,
  ];
  const url = mode === 'implicit' ? `ftps://127.0.0.1:${server.implicitPort}` : `ftp://127.0.0.1:${server.port}`;
  const script = [...settings, `open -u "${testUser.user},${testUser.password}" ${url}`, ...commands].join('; ');
  return new Promise((resolve, reject) => {
    execFile(
      lftp!,
      ['-c', script],
      { cwd, env: { ...process.env, HOME: cwd }, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`lftp failed (${String(error.code ?? error.signal)}): ${stderr}${stdout}`));
        else resolve(stdout);
      },
    );
  });
}

describe.skipIf(lftp === undefined)('lftp over FTPS (skipped: lftp not installed; apt-get install lftp)', () => {
  describe.each<Mode>(['explicit', 'implicit'])('%s TLS', (mode) => {
    it('uploads, lists, downloads and resumes both ways (REST+STOR, REST+RETR), byte-exact', async () => {
      const server = await startTlsServer(certificate, { implicit: true });
      const local = await tempDirectory('ftps-lftp-');
      const content = randomBytes(800_000);
      const offset = 300_000;
      await writeFile(join(local, 'upload.bin'), content);
      await writeFile(join(server.root, 'partial-upload.bin'), content.subarray(0, offset));
      await writeFile(join(local, 'partial-download.bin'), content.subarray(0, offset + 1));
      const commands = recordCommands(server.server);
      const output = await run({
        server,
        mode,
        cwd: local,
        commands: [
          'put upload.bin -o stored.bin',
          'cls -1',
          'get stored.bin -o downloaded.bin',
          'put -c upload.bin -o partial-upload.bin',
          'get -c stored.bin -o partial-download.bin',
        ],
      });
      expect(output.split('\n')).toEqual(expect.arrayContaining(['stored.bin', 'partial-upload.bin']));
      expect(sha256(await readFile(join(server.root, 'stored.bin')))).toBe(sha256(content));
      expect(sha256(await readFile(join(local, 'downloaded.bin')))).toBe(sha256(content));
      expect(sha256(await readFile(join(server.root, 'partial-upload.bin')))).toBe(sha256(content));
      expect(sha256(await readFile(join(local, 'partial-download.bin')))).toBe(sha256(content));
      expect(commands).toEqual(
        expect.arrayContaining([
          'PROT P -> 200',
          `REST ${offset} -> 350`,
          'STOR partial-upload.bin -> 226',
          `REST ${offset + 1} -> 350`,
          'RETR stored.bin -> 226',
        ]),
      );
      if (mode === 'explicit') {
        // The upgrade comes before the user name crosses the network.
        const upgrade = commands.indexOf('AUTH TLS -> 234');
        expect(upgrade).toBeGreaterThanOrEqual(0);
        expect(upgrade).toBeLessThan(commands.findIndex((command) => command.startsWith('USER ')));
      }
    });
  });

  it('transfers with PROT C (ftp:ssl-protect-data false) over an encrypted control connection', async () => {
    const server = await startTlsServer(certificate);
    const local = await tempDirectory('ftps-lftp-');
    const content = randomBytes(100_000);
    await writeFile(join(local, 'clear.bin'), content);
    const commands = recordCommands(server.server);
    await run({ server, mode: 'explicit', protectData: false, cwd: local, commands: ['put clear.bin', 'get clear.bin -o back.bin'] });
    expect(commands).not.toContain('PROT P -> 200');
    expect(commands).toContain('AUTH TLS -> 234');
    expect(sha256(await readFile(join(server.root, 'clear.bin')))).toBe(sha256(content));
    expect(sha256(await readFile(join(local, 'back.bin')))).toBe(sha256(content));
  });

  it('is refused a PROT C transfer when requireForData is on', async () => {
    const server = await startTlsServer(certificate, { tls: { requireForData: true } });
    const local = await tempDirectory('ftps-lftp-');
    await writeFile(join(server.root, 'secret.bin'), randomBytes(1_000));
    await expect(run({ server, mode: 'explicit', protectData: false, cwd: local, commands: ['get secret.bin'] })).rejects.toThrow(/534/);
  });
});
