import { silentLogger, type PluginContext } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { createPassthroughAuthenticator } from './passthrough-authenticator.ts';

const context: PluginContext = {
  sessionId: 's1',
  remoteAddress: '127.0.0.1',
  localAddress: '127.0.0.1',
  secure: false,
  signal: new AbortController().signal,
  logger: silentLogger,
};

describe('passthrough authenticator', () => {
  it('declares specification v1 and its name', () => {
    const authenticator = createPassthroughAuthenticator();
    expect(authenticator.specificationVersion).toBe('v1');
    expect(authenticator.name).toBe('passthrough');
  });

  it.each(['alice', 'rooted', 'admin'])('accepts %s with any password', async (username) => {
    const result = await createPassthroughAuthenticator().authenticate({ username, password: '' }, context);
    expect(result).toEqual({ outcome: 'accepted', user: { username } });
  });

  it.each(['root', 'ROOT', 'Root'])('rejects %s whatever its letter case', async (username) => {
    const result = await createPassthroughAuthenticator().authenticate({ username, password: 'x' }, context);
    expect(result.outcome).toBe('rejected');
  });
});
