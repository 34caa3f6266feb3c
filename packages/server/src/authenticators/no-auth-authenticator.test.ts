import { silentLogger, type PluginContext } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { createNoAuthAuthenticator } from './no-auth-authenticator.ts';

const context: PluginContext = {
  sessionId: 's1',
  remoteAddress: '127.0.0.1',
  localAddress: '127.0.0.1',
  secure: false,
  signal: new AbortController().signal,
  logger: silentLogger,
};

describe('no-auth authenticator', () => {
  it('declares specification v1 and its name', () => {
    const authenticator = createNoAuthAuthenticator();
    expect(authenticator.specificationVersion).toBe('v1');
    expect(authenticator.name).toBe('no-auth');
  });

  it.each(['anonymous', 'root', 'Alice'])('accepts %s with any password', async (username) => {
    const result = await createNoAuthAuthenticator().authenticate({ username, password: 'whatever' }, context);
    expect(result).toEqual({ outcome: 'accepted', user: { username } });
  });
});
