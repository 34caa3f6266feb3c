import { InvalidOptionError } from '@ftp/plugin-api';
import { generateCertificate, type TestCertificate } from '@ftp/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNoAuthAuthenticator } from './authenticators/index.ts';
import { createFtpServer } from './ftp-server.ts';
import { createMemorySharedState } from './limits/memory-shared-state.ts';
import type { FtpServerOptions } from './server-options.ts';
import { createMemoryStorage } from './testing/index.ts';

const plugins = () => ({ authenticator: createNoAuthAuthenticator(), storage: createMemoryStorage() });
let certificate: TestCertificate;

beforeAll(async () => {
  certificate = await generateCertificate();
});

/** The error `createFtpServer` throws for options written as a user might (typos included), or undefined. */
function creationError(options: Record<string, unknown>): unknown {
  try {
    createFtpServer({ ...plugins(), ...options } as FtpServerOptions);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('unknown option keys', () => {
  it.each<[string, () => Record<string, unknown>, string]>([
    ['the top level', () => ({ hots: '127.0.0.1' }), 'hots: unknown key; did you mean "host"?'],
    [
      'userDefaults',
      () => ({ userDefaults: { permisions: { upload: false } } }),
      'userDefaults.permisions: unknown key; did you mean "permissions"?',
    ],
    [
      'userDefaults.permissions',
      () => ({ userDefaults: { permissions: { uplaod: false } } }),
      'userDefaults.permissions.uplaod: unknown key; did you mean "upload"?',
    ],
    [
      'userDefaults.quota',
      () => ({ userDefaults: { quota: { maxByte: 1_000 } } }),
      'userDefaults.quota.maxByte: unknown key; did you mean "maxBytes"?',
    ],
    [
      'userDefaults.bandwidth',
      () => ({ userDefaults: { bandwidth: { uploadBytesPerSec: 1_000 } } }),
      'userDefaults.bandwidth.uploadBytesPerSec: unknown key; did you mean "uploadBytesPerSecond"?',
    ],
    [
      'bandwidth',
      () => ({ bandwidth: { downloadBytesPerSecnd: 1_000 } }),
      'bandwidth.downloadBytesPerSecnd: unknown key; did you mean "downloadBytesPerSecond"?',
    ],
    ['defender', () => ({ defender: { maxFailuresPerIP: 3 } }), 'defender.maxFailuresPerIP: unknown key; did you mean "maxFailuresPerIp"?'],
    [
      'tls',
      () => ({ tls: { cert: certificate.cert, key: certificate.key, requireForLogon: true } }),
      'tls.requireForLogon: unknown key; did you mean "requireForLogin"?',
    ],
    [
      'anonymous',
      () => ({ anonymous: { rootDirectory: '/', writeable: true } }),
      'anonymous.writeable: unknown key; did you mean "writable"?',
    ],
    ['passive', () => ({ passive: { minPort: 0, maxPrt: 0 } }), 'passive.maxPrt: unknown key; did you mean "maxPort"?'],
    [
      'a rule of passive.address',
      () => ({
        passive: {
          address: [
            { clients: '0.0.0.0/0', address: '192.0.2.1' },
            { clients: '10.0.0.0/8', adress: '10.0.0.5' },
          ],
        },
      }),
      'passive.address[1].adress: unknown key; did you mean "address"?',
    ],
    [
      'proxyProtocol',
      () => ({ proxyProtocol: { trustedSources: ['10.0.0.1'], untrustedSource: 'ignore' } }),
      'proxyProtocol.untrustedSource: unknown key; did you mean "untrustedSources"?',
    ],
  ])('are refused in %s, naming the full path and the key meant', (_level, options, message) => {
    const error = creationError(options());
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).message).toBe(message);
    expect((error as InvalidOptionError).option).toBe(message.slice(0, message.indexOf(':')));
  });

  it('are refused with the list of known keys when none is close', () => {
    expect((creationError({ userDefaults: { colour: 'blue' } }) as Error).message).toBe(
      'userDefaults.colour: unknown key (known: permissions, quota, bandwidth, maxSessions)',
    );
  });

  it('are refused even when their value is undefined', () => {
    expect((creationError({ idleTimeotMs: undefined }) as Error).message).toBe('idleTimeotMs: unknown key; did you mean "idleTimeoutMs"?');
  });

  it('are not looked for inside plugins, functions and loggers, whose own keys are theirs', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger, extraField: true };
    const authenticator = { ...createNoAuthAuthenticator(), extraField: true };
    expect(
      creationError({ authenticator, logger, beforeUpload: Object.assign(async () => ({ allowed: true }), { extraField: true }) }),
    ).toBeUndefined();
  });
});

describe('every known option key', () => {
  it('is accepted at every level', () => {
    const options: Required<FtpServerOptions> = {
      ...plugins(),
      host: '127.0.0.1',
      port: 0,
      serverName: 'every key',
      passive: { minPort: 40_000, maxPort: 40_010, address: [{ clients: '0.0.0.0/0', address: '192.0.2.1' }], hostnameCacheMs: 0 },
      userDefaults: {
        permissions: {
          list: true,
          download: true,
          upload: true,
          overwrite: false,
          delete: false,
          rename: false,
          makeDirectory: true,
          setModifiedTime: false,
          chmod: false,
        },
        quota: { maxBytes: 1_000_000, maxFiles: 100 },
        bandwidth: { uploadBytesPerSecond: 1_000_000, downloadBytesPerSecond: 1_000_000 },
        maxSessions: 3,
      },
      bandwidth: { uploadBytesPerSecond: 10_000_000, downloadBytesPerSecond: 10_000_000 },
      sharedState: createMemorySharedState(),
      defender: {
        enabled: true,
        maxFailuresPerIp: 5,
        maxFailuresPerUser: 10,
        windowMs: 60_000,
        banMs: 60_000,
        allowList: ['10.0.0.0/8'],
        failedLoginDelayMs: 0,
      },
      anonymous: { rootDirectory: '/public', writable: false, usernames: ['anonymous'] },
      tls: {
        cert: certificate.cert,
        key: Buffer.from(certificate.key),
        minVersion: 'TLSv1.3',
        ciphers: 'HIGH',
        requireForLogin: true,
        requireForData: true,
        requireSessionReuse: true,
        implicitPort: 0,
      },
      proxyProtocol: {
        trustedSources: ['10.0.0.1'],
        versions: [2],
        untrustedSources: 'ignore',
        headerTimeoutMs: 1_000,
        passiveFromDestination: true,
      },
      beforeUpload: async () => ({ allowed: true }),
      requireDataPeerMatch: true,
      allowActiveMode: false,
      maxSessions: 10,
      maxSessionsPerIp: 5,
      loginTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      dataTimeoutMs: 10_000,
      tlsHandshakeTimeoutMs: 5_000,
      encoding: 'gbk',
      maxLineLength: 1024,
      maxBadCommands: 5,
      maxLoginAttempts: 2,
      shutdownTimeoutMs: 1_000,
      logger: { debug() {}, info() {}, warn() {}, error() {}, child: () => options.logger },
    };
    expect(creationError(options)).toBeUndefined();
  });
});
