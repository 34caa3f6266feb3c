import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalAuthenticator, hashPassword } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory } from '@ftp/test-utils';
import { startServer } from './server.ts';

const script = fileURLToPath(new URL('../python/ftplib_client.py', import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const user = 'alice';
const password = 'correct horse';
// A cheap hash: these tests are about the protocol, not about password cost.
const passwordHash = await hashPassword(password, { logCost: 4 });

export interface FtplibFixture {
  /** The user the scenarios log in as. */
  readonly user: string;
  /** The server's storage root. */
  readonly root: string;
  /** A temp dir for client-side files. */
  readonly local: string;
  /** Runs one scenario of python/ftplib_client.py, logged in, and resolves to the JSON it prints. */
  run(scenario: string, ...scenarioArguments: (string | number)[]): Promise<Record<string, unknown>>;
}

/** A server with file-system storage on a temp dir and the local authenticator, driven by Python's standard ftplib. */
export async function ftplibFixture(): Promise<FtplibFixture> {
  const root = await tempDirectory('ftp-ftplib-root-');
  const local = await tempDirectory('ftp-ftplib-local-');
  const { port } = await startServer({
    storage: createFsStorage({ root, fsync: false }),
    authenticator: createLocalAuthenticator({ users: [{ username: user, passwordHash }] }),
  });
  const run = (scenario: string, ...scenarioArguments: (string | number)[]) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const argv = [script, scenario, '127.0.0.1', String(port), user, password, ...scenarioArguments.map(String)];
      execFile(python, argv, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(stdout) as Record<string, unknown>;
        } catch {
          reject(new Error(`ftplib ${scenario} printed no JSON (${String(error)}): ${stdout}${stderr}`));
          return;
        }
        if (error !== null || parsed.error !== undefined) reject(new Error(`ftplib ${scenario}: ${String(parsed.error ?? error)}`));
        else resolve(parsed);
      });
    });
  return { user, root, local, run };
}
