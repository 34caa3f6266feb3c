import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { generateCertificate, tempDirectory } from '@ftp/test-utils';
import { Client } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, listeningPort, runCli } from './support/cli.ts';

// The built CLI, started as users start it, against real listeners that already hold the ports it is told to use.

let directory: string;
let certificate: { certFile: string; keyFile: string };
const holders: Server[] = [];

beforeAll(async () => {
  assertCliBuilt();
  const { certFile, keyFile } = await generateCertificate();
  certificate = { certFile, keyFile };
});
beforeEach(async () => {
  directory = await tempDirectory('ftp-startup-errors-');
});
afterEach(async () => {
  for (const holder of holders.splice(0)) await new Promise((resolve) => holder.close(resolve));
});

/** A real listener on a loopback port, held for the test; resolves with the port. */
async function holdPort(): Promise<number> {
  const holder = createServer();
  holders.push(holder);
  holder.listen({ host: '127.0.0.1', port: 0 });
  await once(holder, 'listening');
  return (holder.address() as { port: number }).port;
}

/** Runs the app on a config file until it exits (it must: every config here fails at start). */
async function runApp(config: Record<string, unknown>): Promise<{ code: number | null; stderr: string; messages: unknown[] }> {
  await writeFile(join(directory, 'config.json'), JSON.stringify(config));
  const app = runCli(['--config', 'config.json'], { cwd: directory });
  const code = await app.closed;
  // `messages`: the `msg` of every JSON log line the app wrote.
  return { code, stderr: app.stderr(), messages: app.logLines.map((line) => line.msg) };
}

const base = {
  ftpAddr: '127.0.0.1',
  ftpPort: 0,
  authenticator: 'no-auth',
  storageConnector: 'fs',
  storageConfig: { root: './data' },
  // The engine logs "listening" at debug level: its absence proves nothing was bound.
  logLevel: 'debug',
};

describe('startup errors a user can act on', () => {
  it('names ftpPort and the port when the control port is in use, and exits 1', async () => {
    const port = await holdPort();
    const result = await runApp({ ...base, ftpPort: port });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `ftp-server: ftpPort ${port} on ftpAddr 127.0.0.1 is in use (EADDRINUSE): choose another port or stop the process using it\n`,
    );
  });

  it('names implicitFtpsPort when the implicit-TLS port is in use', async () => {
    const port = await holdPort();
    const result = await runApp({ ...base, tls: certificate, implicitFtpsPort: port });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ftp-server: implicitFtpsPort ${port} on ftpAddr 127.0.0.1 is in use (EADDRINUSE)`);
  });

  it('names metricsPort when the metrics port is in use', async () => {
    const port = await holdPort();
    const result = await runApp({ ...base, metricsPort: port });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ftp-server: metricsPort ${port} on metricsAddr 127.0.0.1 is in use (EADDRINUSE)`);
    // The FTP listener was up by then (so the absence of this line below means something).
    expect(result.messages).toContain('listening');
  });

  it('names ftpAddr when the address is not one of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a host.
    const result = await runApp({ ...base, ftpAddr: '192.0.2.1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ftp-server: ftpAddr 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL)');
  });

  it.each(['certFile', 'keyFile'] as const)(
    'says that tls.%s does not exist, naming its absolute path once, and exits 2 before anything listens',
    async (key) => {
      const missing = join(directory, 'missing.pem');
      const result = await runApp({ ...base, tls: { ...certificate, [key]: 'missing.pem' } });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`ftp-server: configuration error: tls.${key}: ${missing} does not exist\n`);
      expect(result.messages).not.toContain('listening');
    },
  );

  it('names the code when a tls file exists but cannot be read', async () => {
    const result = await runApp({ ...base, tls: { ...certificate, keyFile: directory } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `ftp-server: configuration error: tls.keyFile: cannot read ${directory}: EISDIR: illegal operation on a directory\n`,
    );
  });

  it('exits 2 for a plugin that is not installed, before anything listens', async () => {
    const result = await runApp({ ...base, storageConnector: 'ftp-storage-not-installed' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^ftp-server: configuration error: storageConnector: "ftp-storage-not-installed" is neither a built-in \(fs, s3, mounts\) nor a package installed in /m,
    );
    expect(result.messages).not.toContain('listening');
  });
});

describe('SIGHUP (systemctl reload)', () => {
  it('keeps serving without a tls section, and says there was nothing to reload', async () => {
    await writeFile(join(directory, 'config.json'), JSON.stringify({ ...base, logLevel: 'info' }));
    const app = runCli(['--config', 'config.json'], { cwd: directory });
    try {
      const port = await listeningPort(app);
      app.child.kill('SIGHUP');
      // The app's own line; it rejects if the app ends first (SIGHUP's default action would end it).
      await app.logLine((line) => line.msg === 'nothing to reload: no tls section' && line.component === undefined);
      const client = new Client(10_000);
      try {
        await client.access({ host: '127.0.0.1', port, user: 'anyone', password: 'x' });
        expect(await client.pwd()).toBe('/');
      } finally {
        client.close();
      }
    } finally {
      app.child.kill('SIGTERM');
    }
    expect(await app.closed).toBe(0);
    expect(app.logLines.map((line) => line.msg)).toContain('stopped');
  });
});
