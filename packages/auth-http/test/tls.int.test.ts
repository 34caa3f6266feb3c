import { once } from 'node:events';
import { createServer } from 'node:https';
import { createBasicAuthenticator } from '@ftp/auth-http';
import { silentLogger } from '@ftp/plugin-api';
import { generateCertificate, tempDirectory } from '@ftp/test-utils';
import { describe, expect, it, onTestFinished } from 'vitest';

const context = {
  sessionId: 's1',
  remoteAddress: '127.0.0.1',
  localAddress: '127.0.0.1',
  secure: true,
  signal: new AbortController().signal,
  logger: silentLogger,
};

/** An https identity service with a self-signed certificate made for this test; accepts any Basic credentials. */
async function httpsService(): Promise<{ origin: string; directory: string }> {
  const directory = await tempDirectory('auth-http-tls-');
  const { key, cert } = await generateCertificate({ directory });
  const server = createServer({ key, cert }, (request, response) => {
    response.writeHead(request.headers.authorization?.startsWith('Basic ') === true ? 200 : 401);
    response.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { origin: `https://127.0.0.1:${(server.address() as { port: number }).port}`, directory };
}

describe('https identity services', () => {
  it('trusts the CA given by caFile, relative to the config directory', async () => {
    const { origin, directory } = await httpsService();
    const authenticator = createBasicAuthenticator({ loginUrl: `${origin}/login`, caFile: 'cert.pem' }, { configDirectory: directory });
    onTestFinished(() => authenticator.close());
    expect((await authenticator.authenticate({ username: 'alice', password: 'pw' }, context)).outcome).toBe('accepted');
  });

  it('treats an untrusted certificate as an outage, not as a wrong password', async () => {
    const { origin } = await httpsService();
    const authenticator = createBasicAuthenticator({ loginUrl: `${origin}/login` });
    onTestFinished(() => authenticator.close());
    await expect(authenticator.authenticate({ username: 'alice', password: 'pw' }, context)).rejects.toMatchObject({
      code: 'FTP_ERR_AUTH_UNAVAILABLE',
      message: expect.stringContaining('could not be reached'),
    });
  });
});
