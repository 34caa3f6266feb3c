import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@ftp/plugin-api';
import { Client } from 'basic-ftp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/logging.ts';
import { loadAuthenticator } from '../src/plugins.ts';
import { startServer } from '../src/start-server.ts';

// The @ftp/auth-http authenticators by their short names, as a config file names them.

const environment = { logger: silentLogger, configDirectory: tmpdir() };

/** A loopback identity service accepting Basic "alice:secret" on /login; closed when the test finishes. */
async function identityService(): Promise<{ origin: string; paths: string[] }> {
  const paths: string[] = [];
  const expected = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
  const server = createServer((request, response) => {
    paths.push(request.url!);
    response.writeHead(request.url === '/login' && request.headers.authorization === expected ? 200 : 401);
    response.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, paths };
}

describe('auth-http authenticators by short name', () => {
  it.each(['http-basic', 'http-digest', 'http-bearer', 'webhook'])('builds %s from authenticatorConfig', async (name) => {
    const authenticator = await loadAuthenticator(name, { loginUrl: 'http://127.0.0.1:9/login', authenticatedTtlMs: 5_000 }, environment);
    expect([authenticator.specificationVersion, authenticator.name]).toEqual(['v1', name]);
    await authenticator.close?.();
  });

  // A scheme the name already fixes is refused by the schema (config-schema.test.ts).
  it('names the authenticatorConfig key of an invalid option', async () => {
    await expect(loadAuthenticator('http-digest', {}, environment)).rejects.toThrow(
      'authenticatorConfig.loginUrl: must be an http or https URL',
    );
    await expect(loadAuthenticator('webhook', { loginUrl: 'http://x/', passwordHashType: 'crc' }, environment)).rejects.toThrow(
      'authenticatorConfig.passwordHashType: must be one of',
    );
  });

  it('loads @ftp/auth-http by package name with a scheme key', async () => {
    // Found in this app's node_modules and imported from its built dist/, as a config next to the app would; CI builds first.
    const appDirectory = fileURLToPath(new URL('..', import.meta.url));
    const authenticator = await loadAuthenticator(
      '@ftp/auth-http',
      { scheme: 'bearer', loginUrl: 'http://127.0.0.1:9/' },
      {
        ...environment,
        configDirectory: appDirectory,
      },
    );
    expect(authenticator.name).toBe('http-bearer');
    await authenticator.close?.();
  });

  it('serves FTP logins checked by http-basic from a config document', async () => {
    const identity = await identityService();
    const root = await mkdtemp(join(tmpdir(), 'app-auth-http-'));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    const config = parseConfig(
      {
        ftpPort: 0,
        authenticator: 'http-basic',
        authenticatorConfig: { loginUrl: `${identity.origin}/login` },
        storageConfig: { root },
        logLevel: 'silent',
      },
      { environment: {}, configDirectory: root, configFile: undefined },
    );
    const { server, port } = await startServer(config, createLogger('silent'));
    onTestFinished(() => server.close({ timeoutMs: 2_000 }));
    const client = new Client(10_000);
    onTestFinished(() => client.close());
    await expect(client.access({ host: '127.0.0.1', port, user: 'alice', password: 'wrong' })).rejects.toMatchObject({ code: 530 });
    await client.access({ host: '127.0.0.1', port, user: 'alice', password: 'secret' });
    expect(await client.pwd()).toBe('/');
    expect(identity.paths).toEqual(['/login', '/login']);
  });
});
