import { createFtpServer, createNoAuthAuthenticator, InvalidOptionError } from '@ftp/server';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { serverOptions } from './start-server.ts';

const base = { authenticator: 'no-auth', storageConfig: { root: '/srv/ftp' } };
const parse = (document: Record<string, unknown>, environment: Record<string, string> = {}) =>
  parseConfig({ ...base, ...document }, { environment, configDirectory: '/etc/ftp', configFile: undefined });

describe('deployment config keys', () => {
  it('reads metrics, webhooks, pre-upload hook and PROXY settings, with defaults and environment overrides', () => {
    const config = parse(
      {
        metricsPort: 9100,
        webhooks: { url: 'http://127.0.0.1:9/hook', events: ['upload'] },
        preUploadHook: { url: 'https://scan.example/check' },
      },
      { METRICS_ADDR: '0.0.0.0', PROXY_PROTOCOL: '{"trustedSources":["10.0.0.0/8"]}', PASV_ADDRESS: 'ftp.example.com' },
    );
    expect(config).toMatchObject({
      metricsPort: 9100,
      metricsAddr: '0.0.0.0',
      pasvAddress: 'ftp.example.com',
      proxyProtocol: { trustedSources: ['10.0.0.0/8'] },
      webhooks: { url: 'http://127.0.0.1:9/hook', events: ['upload'], maxAttempts: 5, queueSize: 1000, timeoutMs: 5000 },
      preUploadHook: { url: 'https://scan.example/check', timeoutMs: 5000, failOpen: false },
    });
  });

  it('names the bad key', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ metricsAddr: '127.0.0.1' }, 'metricsAddr: needs metricsPort'],
      [{ pasvAddress: '::1' }, 'pasvAddress: must be an IPv4 address or a host name'],
      [{ pasvAddress: '300.1.2.3' }, 'pasvAddress: must be an IPv4 address or a host name'],
      [{ webhooks: { url: 'ftp://x' } }, 'webhooks.url: must be an http:// or https:// URL'],
      [{ webhooks: { url: 'http://x', events: ['upload', 'connect'] } }, 'webhooks.events[1]: must be one of upload, download,'],
      [{ webhooks: { url: 'http://x', events: [] } }, 'webhooks.events: must be a non-empty list'],
      [{ webhooks: { url: 'http://x', retries: 3 } }, 'webhooks.retries: unknown key'],
      [{ preUploadHook: { url: 'http://x', failOpen: 'yes' } }, 'preUploadHook.failOpen: must be true or false'],
    ];
    for (const [document, message] of cases) expect(() => parse(document), message).toThrow(message);
  });

  it('maps pasvAddressMap (with pasvAddress for the rest) to engine rules that the engine validates', () => {
    const config = parse({ pasvAddressMap: { '10.0.0.0/8': '10.0.0.5' }, pasvAddress: '203.0.113.7' });
    const parts = {
      authenticator: createNoAuthAuthenticator(),
      storage: { specificationVersion: 'v1', name: 'x', openSession: async () => ({}) },
    } as never;
    expect(serverOptions(config, parts).passive?.address).toEqual([
      { clients: '10.0.0.0/8', address: '10.0.0.5' },
      { clients: '0.0.0.0/0', address: '203.0.113.7' },
      { clients: '::/0', address: '203.0.113.7' },
    ]);
    const bad = parse({ pasvAddressMap: { 'not-a-range': '10.0.0.5' } });
    expect(() => createFtpServer(serverOptions(bad, parts))).toThrow(InvalidOptionError);
  });
});
