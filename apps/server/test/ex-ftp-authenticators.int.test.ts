import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentityServer } from '@ftp/test-utils';
import { Client } from 'basic-ftp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/logging.ts';
import { startServer } from '../src/start-server.ts';

// Each of ex_ftp's authenticators, configured as an ex_ftp user writes it (its module name, authenticator_config with
// its snake_case keys), serving FTP logins checked by the identity-service test server that @ftp/auth-http's tests
// use, over real sockets.

/** Starts the app from an ex_ftp-style document on 127.0.0.1 port 0; returns its port and the warnings it gave. */
async function startFromExFtpConfig(authenticator: string, authenticatorConfig: Record<string, unknown>) {
  const root = await mkdtemp(join(tmpdir(), 'ftp-ex-ftp-auth-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const warnings: string[] = [];
  const config = parseConfig(
    {
      ftp_addr: '127.0.0.1',
      ftp_port: 0,
      authenticator,
      authenticator_config: authenticatorConfig,
      storage_connector: 'ExFTP.Storage.FileConnector',
      storage_config: { root },
    },
    { environment: {}, configDirectory: root, configFile: undefined, warn: (warning) => warnings.push(warning) },
  );
  const started = await startServer(config, createLogger('silent'));
  onTestFinished(() => started.close());
  return { port: started.port, warnings };
}

/** Logs in with basic-ftp; resolves with the working directory, or rejects with the FTP error. */
async function logIn(port: number, user: string, password: string): Promise<string> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user, password });
    return await client.pwd();
  } finally {
    client.close();
  }
}

describe('ex_ftp-style configs against the identity service', () => {
  it.each([
    ['ExFTP.Auth.BasicAuth', 'http-basic', '/basic', 'alice', 'wonder land'],
    ['ExFTP.Auth.DigestAuth', 'http-digest', '/digest/SHA-256', 'alice', 'wonder land'],
    ['ExFTP.Auth.BearerAuth', 'http-bearer', '/bearer', 'anyone', 'tok-alice.1'],
  ])('%s logs in through %s', async (moduleName, nativeName, path, user, password) => {
    const identity = await startIdentityServer();
    const { port, warnings } = await startFromExFtpConfig(moduleName, {
      login_url: `${identity.origin}${path}`,
      login_method: 'get',
      authenticated_url: `${identity.origin}${path}`,
      authenticated_method: 'get',
      authenticated_ttl_ms: 60_000,
    });
    expect(warnings).toContain(
      `authenticator: "${moduleName}" is ex_ftp's module name, read as "${nativeName}"; write "${nativeName}" (the native spelling)`,
    );
    expect(warnings).toContain(`authenticator_config.login_url: ex_ftp's key, read as "loginUrl"; write "loginUrl" (the native spelling)`);
    expect(await logIn(port, user, password)).toBe('/');
    await expect(logIn(port, user, `${password}x`)).rejects.toMatchObject({ code: 530 });
    expect(identity.requests.map((request) => [request.method, new URL(request.url, identity.origin).pathname])).toContainEqual([
      'GET',
      path,
    ]);
  });

  it('ExFTP.Auth.WebhookAuth sends username and the password_hash_type digest of the password', async () => {
    const identity = await startIdentityServer();
    const { port, warnings } = await startFromExFtpConfig('ExFTP.Auth.WebhookAuth', {
      login_url: `${identity.origin}/webhook`,
      login_method: 'get',
      password_hash_type: 'sha256',
    });
    expect(warnings).toContain(
      `authenticator_config.password_hash_type: ex_ftp's key, read as "passwordHashType"; write "passwordHashType" (the native spelling)`,
    );
    expect(await logIn(port, 'alice', 'wonder land')).toBe('/');
    await expect(logIn(port, 'alice', 'wrong')).rejects.toMatchObject({ code: 530 });
    const query = new URL(identity.requests[0]!.url, identity.origin).searchParams;
    expect(query.get('username')).toBe('alice');
    expect(query.get('password_hash')).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['ExFTP.Auth.NoAuth', 'no-auth'],
    ['ExFTP.Auth.PassthroughAuth', 'passthrough'],
  ])('%s lets anyone in, as %s does', async (moduleName, nativeName) => {
    const { port, warnings } = await startFromExFtpConfig(moduleName, {});
    expect(warnings).toContain(
      `authenticator: "${moduleName}" is ex_ftp's module name, read as "${nativeName}"; write "${nativeName}" (the native spelling)`,
    );
    expect(await logIn(port, 'carol', 'any password')).toBe('/');
  });
});
