import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './config.ts';
import { ConfigError } from './config-error.ts';

// The fs storage connector (the default) needs a root, so every document names one.
const base = { authenticator: 'no-auth', storageConfig: { root: '/srv/ftp' } };
const parse = (document: unknown, environment: Record<string, string> = {}) =>
  parseConfig(document, { environment, configDirectory: '/etc/ftp', configFile: '/etc/ftp/config.json' });

describe('parseConfig', () => {
  it('fills in the app defaults', () => {
    const config = parse(base);
    expect(config).toMatchObject({
      ftpAddr: '127.0.0.1',
      ftpPort: 2121,
      authenticator: 'no-auth',
      authenticatorConfig: {},
      storageConnector: 'fs',
      storageConfig: { root: '/srv/ftp' },
      logLevel: 'info',
      configDirectory: '/etc/ftp',
    });
    expect(config.minPassivePort).toBeUndefined();
  });

  it('keeps every valid key from the file', () => {
    const document = {
      ...base,
      ftpAddr: '0.0.0.0',
      ftpPort: 21,
      minPassivePort: 50000,
      maxPassivePort: 50100,
      pasvAddress: '203.0.113.7',
      serverName: 'Files',
      authenticator: 'local',
      authenticatorConfig: { users: [] },
      storageConnector: 'my-storage',
      storageConfig: { root: './data' },
      maxSessions: 10,
      maxSessionsPerIp: 2,
      loginTimeoutMs: 1000,
      idleTimeoutMs: 2000,
      dataTimeoutMs: 3000,
      maxLineLength: 1024,
      shutdownTimeoutMs: 4000,
      requireDataPeerMatch: false,
      allowActiveMode: false,
      logLevel: 'debug',
      $comment: 'ignored',
    };
    const { $comment: _comment, ...expected } = document;
    expect(parse(document)).toMatchObject(expected);
  });

  it.each([
    [{ ...base, ftpPort: 70000 }, 'ftpPort (in /etc/ftp/config.json): must be an integer from 0 to 65535, got 70000'],
    [{ ...base, ftpPort: '21' }, 'ftpPort (in /etc/ftp/config.json): must be an integer from 0 to 65535, got "21"'],
    [{ ...base, ftpAddr: 'not a host!' }, 'ftpAddr'],
    [{ ...base, pasvAddress: '::1' }, 'pasvAddress (in /etc/ftp/config.json): must be an IPv4 address'],
    [{ ...base, maxSessions: 0 }, 'maxSessions'],
    [{ ...base, idleTimeoutMs: 1.5 }, 'idleTimeoutMs'],
    [{ ...base, allowActiveMode: 'yes' }, 'allowActiveMode (in /etc/ftp/config.json): must be true or false'],
    [{ ...base, logLevel: 'verbose' }, 'logLevel (in /etc/ftp/config.json): must be one of trace, debug'],
    [{ ...base, storageConfig: [] }, 'storageConfig (in /etc/ftp/config.json): must be an object, got []'],
    [{ ...base, authenticator: '' }, 'authenticator (in /etc/ftp/config.json): must be a non-empty string'],
    [{ ...base, ftpPrt: 21 }, 'ftpPrt (in /etc/ftp/config.json): unknown key; did you mean "ftpPort"?'],
    [{ ...base, FTP_PORT: 21 }, 'did you mean "ftpPort"?'],
    [{ ...base, pasv_address: '1.2.3.4' }, 'did you mean "pasvAddress"?'],
    [{ ...base, completelyDifferent: 1 }, 'completelyDifferent (in /etc/ftp/config.json): unknown key'],
    [{ storageConfig: base.storageConfig }, 'authenticator: is required'],
    [{ ...base, minPassivePort: 50000 }, 'maxPassivePort: is required when the other end'],
    [{ ...base, maxPassivePort: 50000 }, 'minPassivePort: is required when the other end'],
    [{ ...base, minPassivePort: 50001, maxPassivePort: 50000 }, 'minPassivePort: must not be greater than maxPassivePort'],
    [[], 'config (in /etc/ftp/config.json): the file must contain one JSON object'],
  ])('rejects %j naming the key', (document, message) => {
    expect(() => parse(document)).toThrow(ConfigError);
    expect(() => parse(document)).toThrow(message);
  });

  it('gives no hint for an unknown key that resembles nothing', () => {
    expect(() => parse({ ...base, zzzzzzzzzz: 1 })).toThrow(/unknown key$/);
  });
});

describe('environment overrides', () => {
  it.each([
    ['FTP_PORT', '0', 'ftpPort', 0],
    ['FTP_ADDR', '0.0.0.0', 'ftpAddr', '0.0.0.0'],
    ['PASV_ADDRESS', '198.51.100.1', 'pasvAddress', '198.51.100.1'],
    ['SERVER_NAME', 'Env name', 'serverName', 'Env name'],
    ['FTP_ENCODING', 'gbk', 'encoding', 'gbk'],
    ['AUTHENTICATOR', 'passthrough', 'authenticator', 'passthrough'],
    ['AUTHENTICATOR_CONFIG', '{"usersFile":"u.json"}', 'authenticatorConfig', { usersFile: 'u.json' }],
    ['STORAGE_CONNECTOR', 'my-storage', 'storageConnector', 'my-storage'],
    ['STORAGE_CONFIG', '{"root":"/srv"}', 'storageConfig', { root: '/srv' }],
    ['MAX_SESSIONS', '5', 'maxSessions', 5],
    ['MAX_SESSIONS_PER_IP', '3', 'maxSessionsPerIp', 3],
    ['MAX_BAD_COMMANDS', '7', 'maxBadCommands', 7],
    ['MAX_LOGIN_ATTEMPTS', '4', 'maxLoginAttempts', 4],
    ['LOGIN_TIMEOUT_MS', '1000', 'loginTimeoutMs', 1000],
    ['IDLE_TIMEOUT_MS', '60000', 'idleTimeoutMs', 60000],
    ['DATA_TIMEOUT_MS', '5000', 'dataTimeoutMs', 5000],
    ['TLS_HANDSHAKE_TIMEOUT_MS', '2000', 'tlsHandshakeTimeoutMs', 2000],
    ['MAX_LINE_LENGTH', '2048', 'maxLineLength', 2048],
    ['SHUTDOWN_TIMEOUT_MS', '9000', 'shutdownTimeoutMs', 9000],
    ['REQUIRE_DATA_PEER_MATCH', 'false', 'requireDataPeerMatch', false],
    ['ALLOW_ACTIVE_MODE', 'no', 'allowActiveMode', false],
    ['ALLOW_ACTIVE_MODE', '1', 'allowActiveMode', true],
    ['LOG_LEVEL', 'warn', 'logLevel', 'warn'],
  ])('%s=%s sets %s over the file value', (variable, text, key, expected) => {
    // An authenticator from a package takes any authenticatorConfig, so each variable can be tried alone.
    const document = { ...base, authenticator: 'my-auth', ftpPort: 21, logLevel: 'info', allowActiveMode: true };
    const config = parse(document, { [variable]: text });
    expect(config[key as keyof typeof config]).toEqual(expected);
  });

  it('sets both passive ports together', () => {
    const config = parse(base, { MIN_PASSIVE_PORT: '40000', MAX_PASSIVE_PORT: '40010' });
    expect([config.minPassivePort, config.maxPassivePort]).toEqual([40000, 40010]);
  });

  it('ignores empty variables', () => {
    expect(parse({ ...base, ftpPort: 21 }, { FTP_PORT: '' }).ftpPort).toBe(21);
  });

  it.each([
    ['FTP_PORT', 'abc', 'ftpPort (from environment variable FTP_PORT): must be an integer, got "abc"'],
    ['FTP_PORT', '65536', 'ftpPort (from environment variable FTP_PORT): must be an integer from 0 to 65535'],
    ['ALLOW_ACTIVE_MODE', 'maybe', 'allowActiveMode (from environment variable ALLOW_ACTIVE_MODE): must be true or false'],
    ['STORAGE_CONFIG', '{oops', 'storageConfig (from environment variable STORAGE_CONFIG): must be a JSON object'],
    ['STORAGE_CONFIG', '[1]', 'storageConfig (from environment variable STORAGE_CONFIG): must be an object'],
    ['LOG_LEVEL', 'loud', 'logLevel (from environment variable LOG_LEVEL): must be one of'],
    ['MIN_PASSIVE_PORT', '50000', 'maxPassivePort: is required'],
  ])('rejects %s=%s naming the variable', (variable, text, message) => {
    expect(() => parse(base, { [variable]: text })).toThrow(message);
  });

  it('lets the environment supply a required key', () => {
    expect(parse({}, { AUTHENTICATOR: 'no-auth', STORAGE_CONFIG: '{"root":"/srv"}' }).authenticator).toBe('no-auth');
  });
});

describe('loadConfig', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ftp-config-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads --config relative to the cwd and records the file directory', async () => {
    await writeFile(join(directory, 'ftp.json'), JSON.stringify({ ...base, ftpPort: 2222 }));
    const config = loadConfig({ configFile: 'ftp.json', environment: {}, cwd: directory, defaultDocument: {} });
    expect(config).toMatchObject({ ftpPort: 2222, configDirectory: directory, configFile: join(directory, 'ftp.json') });
  });

  it('falls back to FTP_CONFIG, and --config wins over it', async () => {
    await writeFile(join(directory, 'a.json'), JSON.stringify({ ...base, ftpPort: 1 }));
    await writeFile(join(directory, 'b.json'), JSON.stringify({ ...base, ftpPort: 2 }));
    const environment = { FTP_CONFIG: join(directory, 'a.json') };
    expect(loadConfig({ environment, cwd: '/', defaultDocument: {} }).ftpPort).toBe(1);
    expect(loadConfig({ configFile: join(directory, 'b.json'), environment, cwd: '/', defaultDocument: {} }).ftpPort).toBe(2);
  });

  it('uses the default document, resolved against the cwd, when no file is named', () => {
    const config = loadConfig({ environment: { FTP_PORT: '0' }, cwd: directory, defaultDocument: { ...base, authenticator: 'local' } });
    expect(config).toMatchObject({ authenticator: 'local', ftpPort: 0, configDirectory: directory, configFile: undefined });
  });

  it('drops the default plugin config when the environment names another plugin', () => {
    const defaultDocument = { authenticator: 'local', authenticatorConfig: { users: [] }, storageConfig: { root: './data' } };
    const replaced = loadConfig({
      environment: { AUTHENTICATOR: 'passthrough', STORAGE_CONNECTOR: 'my-storage' },
      cwd: directory,
      defaultDocument,
    });
    expect(replaced).toMatchObject({
      authenticator: 'passthrough',
      authenticatorConfig: {},
      storageConnector: 'my-storage',
      storageConfig: {},
    });
    const kept = loadConfig({ environment: { AUTHENTICATOR: 'local' }, cwd: directory, defaultDocument });
    expect(kept.authenticatorConfig).toBe(defaultDocument.authenticatorConfig);
  });

  it('reports a missing or malformed file', async () => {
    const options = { environment: {}, cwd: directory, defaultDocument: {} };
    expect(() => loadConfig({ ...options, configFile: 'missing.json' })).toThrow(/^config: cannot read .*missing\.json/);
    await writeFile(join(directory, 'bad.json'), '{ "ftpPort": ');
    expect(() => loadConfig({ ...options, configFile: 'bad.json' })).toThrow(/^config: .*bad\.json is not valid JSON/);
  });
});

describe('config.example.json', () => {
  it('is a valid config', async () => {
    const exampleFile = new URL('../config.example.json', import.meta.url);
    const config = parse(JSON.parse(await readFile(exampleFile, 'utf8')));
    expect(config).toMatchObject({ authenticator: 'local', storageConnector: 'fs', minPassivePort: 50000 });
  });
});

describe('tls section', () => {
  it('resolves the certificate paths against the config directory and keeps the policy keys', () => {
    const config = parse({
      ...base,
      tls: { certFile: 'cert.pem', keyFile: '/keys/key.pem', requireForLogin: true, minVersion: 'TLSv1.3' },
      implicitFtpsPort: 990,
    });
    expect(config.tls).toEqual({ certFile: '/etc/ftp/cert.pem', keyFile: '/keys/key.pem', requireForLogin: true, minVersion: 'TLSv1.3' });
    expect(config.implicitFtpsPort).toBe(990);
  });

  it.each([
    [{ keyFile: 'k.pem' }, 'tls.certFile'],
    [{ certFile: 'c.pem' }, 'tls.keyFile'],
    [{ certFile: 'c.pem', keyFile: 'k.pem', minVersion: 'TLSv1.0' }, 'tls.minVersion'],
    [{ certFile: 'c.pem', keyFile: 'k.pem', requireForData: 'yes' }, 'tls.requireForData'],
    [{ certFile: 'c.pem', keyFile: 'k.pem', requireSessionResue: false }, 'tls.requireSessionResue'],
  ])('rejects %j naming %s', (tls, key) => {
    expect(() => parse({ ...base, tls })).toThrow(expect.objectContaining({ key }));
  });

  it('suggests the closest tls key for a typo', () => {
    expect(() => parse({ ...base, tls: { certFile: 'c', keyFile: 'k', requireSessionResue: false } })).toThrow(
      /did you mean "requireSessionReuse"/,
    );
  });

  it('refuses implicitFtpsPort without a tls section', () => {
    expect(() => parse({ ...base, implicitFtpsPort: 990 })).toThrow(expect.objectContaining({ key: 'implicitFtpsPort' }));
  });

  it('takes the tls section from TLS_CONFIG as JSON', () => {
    const config = parse(base, { TLS_CONFIG: '{"certFile":"c.pem","keyFile":"k.pem"}' });
    expect(config.tls?.certFile).toBe('/etc/ftp/c.pem');
  });
});

describe('users and limits', () => {
  it('passes userDefaults, bandwidth, defender and anonymous through to the engine', () => {
    const config = parse({
      ...base,
      userDefaults: { quota: { maxBytes: 1000 }, maxSessions: 3 },
      bandwidth: { downloadBytesPerSecond: 1_000_000 },
      defender: { maxFailuresPerIp: 5, allowList: ['10.0.0.0/8'] },
      anonymous: { rootDirectory: '/pub' },
    });
    expect(config).toMatchObject({
      userDefaults: { quota: { maxBytes: 1000 }, maxSessions: 3 },
      bandwidth: { downloadBytesPerSecond: 1_000_000 },
      defender: { maxFailuresPerIp: 5, allowList: ['10.0.0.0/8'] },
      anonymous: { rootDirectory: '/pub' },
    });
  });

  it('takes the defender settings from DEFENDER as JSON', () => {
    expect(parse(base, { DEFENDER: '{"enabled":false}' }).defender).toEqual({ enabled: false });
  });
});

describe('sharedState', () => {
  const postgresUsers = {
    ...base,
    authenticator: '@ftp/store-postgres',
    authenticatorConfig: { connectionString: 'postgres://ftp@db/ftp' },
  };

  it('is memory unless set, and postgres with the store-postgres authenticator needs nothing more', () => {
    expect(parse(base).sharedState).toBe('memory');
    expect(parse({ ...postgresUsers, sharedState: 'postgres' }).sharedState).toBe('postgres');
    const own = parse({
      ...base,
      sharedState: 'postgres',
      sharedStateConfig: { connectionString: 'postgres://ftp@db/ftp', leaseMs: 60_000 },
    });
    expect(own.sharedStateConfig).toEqual({ connectionString: 'postgres://ftp@db/ftp', leaseMs: 60_000 });
    expect(parse(base, { SHARED_STATE: 'postgres', SHARED_STATE_CONFIG: '{"connectionString":"postgres://db/ftp"}' }).sharedState).toBe(
      'postgres',
    );
  });

  it.each([
    [{ ...base, sharedState: 'redis' }, 'sharedState'],
    [{ ...base, sharedStateConfig: { connectionString: 'postgres://ftp@db/ftp' } }, 'sharedStateConfig'],
    [{ ...base, sharedState: 'postgres' }, 'sharedStateConfig.connectionString'],
    [{ ...base, sharedState: 'postgres', sharedStateConfig: { connectionString: 'mysql://db' } }, 'sharedStateConfig.connectionString'],
    [
      { ...base, sharedState: 'postgres', sharedStateConfig: { connectionString: 'postgres://db/ftp', leaseMS: 1 } },
      'sharedStateConfig.leaseMS',
    ],
  ])('refuses a shared state that would leave instances counting apart: %j names %s', (document, key) => {
    expect(() => parse(document)).toThrow(
      expect.objectContaining({ problems: expect.arrayContaining([expect.objectContaining({ key })]) }),
    );
  });
});
