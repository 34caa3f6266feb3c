import { createDigestAuthenticator } from '@ftp/auth-http';
import { describe, expect, it } from 'vitest';
import { greetedRawSession, startIdentityServer } from '@ftp/test-utils';
import { login, startFtpServer } from './support/ftp.ts';

const logins = 200;
const clientConcurrency = 25;
const maxConnections = 6;

describe('many logins at once', () => {
  it('logs in 200 FTP sessions over one bounded connection pool per origin', async () => {
    const identity = await startIdentityServer();
    const authenticator = createDigestAuthenticator({ loginUrl: `${identity.origin}/digest/SHA-256`, maxConnections });
    const port = await startFtpServer(authenticator, { maxSessions: logins + 10 });
    const codes: number[] = [];
    let next = 0;
    // Bounded on the client side: each worker logs in, quits, and takes the next user.
    const worker = async (): Promise<void> => {
      while (next < logins) {
        const index = next++;
        const user = `user${index}`;
        identity.passwords.set(user, `password ${index}`);
        const connection = await greetedRawSession(port);
        codes[index] = await login(connection, user, `password ${index}`);
        await connection.command('QUIT');
        connection.close();
      }
    };
    await Promise.all(Array.from({ length: clientConcurrency }, worker));
    expect(codes.filter((code) => code === 230)).toHaveLength(logins);
    expect(identity.digestAnswers).toHaveLength(logins);
    expect(identity.connectionCount()).toBeLessThanOrEqual(maxConnections);
  });
});
