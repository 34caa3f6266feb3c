import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { ConfigError } from './config-error.ts';

const configFile = '/etc/ftp/ftp.json';
const parse = (document: Record<string, unknown>, environment: Record<string, string> = {}) =>
  parseConfig(document, { environment, configDirectory: '/etc/ftp', configFile });

/** The problems `parse` throws, as `key: reason` lines without the source. */
function problemsOf(document: Record<string, unknown>, environment: Record<string, string> = {}): string[] {
  try {
    parse(document, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((problem) => `${problem.key}: ${problem.reason}`);
  }
  throw new Error('the document was accepted');
}

const fs = { storageConfig: { root: '/srv/ftp' } };
const noAuth = { authenticator: 'no-auth', ...fs };
const s3 = { storageConnector: 's3', storageConfig: { bucket: 'ftp-files' } };
const loginUrl = 'http://127.0.0.1:9/login';

describe('a misspelt key is refused at every level, named by its full path', () => {
  it.each([
    ['the top level', { ...noAuth, idleTimoutMs: 1000 }, 'idleTimoutMs: unknown key; did you mean "idleTimeoutMs"?'],
    [
      'userDefaults',
      { ...noAuth, userDefaults: { permisions: { upload: false, delete: false } } },
      'userDefaults.permisions: unknown key; did you mean "permissions"?',
    ],
    [
      'userDefaults.permissions',
      { ...noAuth, userDefaults: { permissions: { uplaod: false } } },
      'userDefaults.permissions.uplaod: unknown key; did you mean "upload"?',
    ],
    [
      'userDefaults.quota',
      { ...noAuth, userDefaults: { quota: { maxByte: 10 } } },
      'userDefaults.quota.maxByte: unknown key; did you mean "maxBytes"?',
    ],
    ['defender', { ...noAuth, defender: { banMS: 1000 } }, 'defender.banMS: unknown key; did you mean "banMs"?'],
    [
      'bandwidth',
      { ...noAuth, bandwidth: { downloadBytesPerSec: 1000 } },
      'bandwidth.downloadBytesPerSec: unknown key; did you mean "downloadBytesPerSecond"?',
    ],
    [
      'tls',
      { ...noAuth, tls: { certFile: 'c.pem', keyFile: 'k.pem', requireForLogon: true } },
      'tls.requireForLogon: unknown key; did you mean "requireForLogin"?',
    ],
    [
      'anonymous',
      { ...noAuth, anonymous: { rootDirectory: '/pub', writeable: true } },
      'anonymous.writeable: unknown key; did you mean "writable"?',
    ],
    [
      'proxyProtocol',
      { ...noAuth, proxyProtocol: { trustedSources: ['10.0.0.0/8'], version: [2] } },
      'proxyProtocol.version: unknown key; did you mean "versions"?',
    ],
    ['webhooks', { ...noAuth, webhooks: { url: 'http://x/', secrt: 's' } }, 'webhooks.secrt: unknown key; did you mean "secret"?'],
    [
      'preUploadHook',
      { ...noAuth, preUploadHook: { url: 'http://x/', failopen: true } },
      'preUploadHook.failopen: unknown key; did you mean "failOpen"?',
    ],
    [
      'storageConfig of fs',
      { authenticator: 'no-auth', storageConfig: { root: '/srv', creatRoot: true } },
      'storageConfig.creatRoot: unknown key; did you mean "createRoot"?',
    ],
    [
      'storageConfig.reclaimTemporaries of fs',
      { authenticator: 'no-auth', storageConfig: { root: '/srv', reclaimTemporaries: { maxAge: 1 } } },
      'storageConfig.reclaimTemporaries.maxAge: unknown key; did you mean "maxAgeMs"?',
    ],
    [
      'storageConfig of s3',
      { authenticator: 'no-auth', ...s3, storageConfig: { bucket: 'ftp-files', regoin: 'eu' } },
      'storageConfig.regoin: unknown key; did you mean "region"?',
    ],
    [
      'storageConfig.credentials of s3',
      {
        authenticator: 'no-auth',
        ...s3,
        storageConfig: { bucket: 'ftp-files', credentials: { accessKeyId: 'a', secretAccessKey: 'b', sesionToken: 'c' } },
      },
      'storageConfig.credentials.sesionToken: unknown key; did you mean "sessionToken"?',
    ],
    [
      'authenticatorConfig of no-auth',
      { ...noAuth, authenticatorConfig: { users: [] } },
      'authenticatorConfig.users: unknown key; the no-auth authenticator takes no options',
    ],
    [
      'authenticatorConfig of passthrough',
      { ...fs, authenticator: 'passthrough', authenticatorConfig: { root: 'x' } },
      'authenticatorConfig.root: unknown key; the passthrough authenticator takes no options',
    ],
    [
      'authenticatorConfig of local',
      { ...fs, authenticator: 'local', authenticatorConfig: { userFile: 'u.json' } },
      'authenticatorConfig.userFile: unknown key; did you mean "usersFile"?',
    ],
    [
      'a user of local',
      { ...fs, authenticator: 'local', authenticatorConfig: { users: [{ username: 'a', passwordHash: 'h', homeDir: '/' }] } },
      'authenticatorConfig.users[0].homeDir: unknown key; did you mean "homeDirectory"?',
    ],
    [
      'the directory permissions of a user of local',
      {
        ...fs,
        authenticator: 'local',
        authenticatorConfig: { users: [{ username: 'a', passwordHash: 'h', directoryPermissions: { '/in': { uplod: true } } }] },
      },
      'authenticatorConfig.users[0].directoryPermissions["/in"].uplod: unknown key; did you mean "upload"?',
    ],
    [
      'authenticatorConfig of http-basic',
      { ...fs, authenticator: 'http-basic', authenticatorConfig: { loginUrl, timeoutMS: 5 } },
      'authenticatorConfig.timeoutMS: unknown key; did you mean "timeoutMs"?',
    ],
    [
      'authenticatorConfig of http-digest',
      { ...fs, authenticator: 'http-digest', authenticatorConfig: { loginUrl, loginMetod: 'GET' } },
      'authenticatorConfig.loginMetod: unknown key; did you mean "loginMethod"?',
    ],
    [
      'authenticatorConfig of http-bearer',
      { ...fs, authenticator: 'http-bearer', authenticatorConfig: { loginUrl, cacheTTLMs: 5 } },
      'authenticatorConfig.cacheTTLMs: unknown key; did you mean "cacheTtlMs"?',
    ],
    [
      'authenticatorConfig of webhook',
      { ...fs, authenticator: 'webhook', authenticatorConfig: { loginUrl, passwordHashTyp: 'sha256' } },
      'authenticatorConfig.passwordHashTyp: unknown key; did you mean "passwordHashType"?',
    ],
  ])('in %s', (_level, document, problem) => {
    expect(problemsOf(document)).toEqual([problem]);
  });

  it('names the file the key is in', () => {
    expect(() => parse({ ...noAuth, userDefaults: { permisions: {} } })).toThrow(
      `userDefaults.permisions (in ${configFile}): unknown key; did you mean "permissions"?`,
    );
  });

  it('keeps a hint for a plain password and a scheme the name already fixes', () => {
    const user = { username: 'a', passwordHash: 'h', password: 'secret' };
    expect(problemsOf({ ...fs, authenticator: 'local', authenticatorConfig: { users: [user] } })).toEqual([
      'authenticatorConfig.users[0].password: unknown key; store a hash in "passwordHash" (run `ftp-server hash-password`)',
    ]);
    expect(problemsOf({ ...fs, authenticator: 'http-basic', authenticatorConfig: { loginUrl, scheme: 'basic' } })).toEqual([
      "authenticatorConfig.scheme: unknown key; the authenticator's name fixes the scheme, remove it",
    ]);
  });

  it('leaves the config of an authenticator or storage connector from a package to that package', () => {
    const config = parse({
      authenticator: '@acme/ftp-auth',
      authenticatorConfig: { anything: 1 },
      storageConnector: './store.js',
      storageConfig: { at: 2 },
    });
    expect([config.authenticatorConfig, config.storageConfig]).toEqual([{ anything: 1 }, { at: 2 }]);
  });
});

describe('wrong values name the path and what is expected', () => {
  it.each([
    [{ ...noAuth, userDefaults: { permissions: { upload: 'no' } } }, 'userDefaults.permissions.upload: must be true or false, got "no"'],
    [{ ...noAuth, userDefaults: { maxSessions: -1 } }, 'userDefaults.maxSessions: must be an integer from 0 to 1000000, got -1'],
    [{ ...noAuth, bandwidth: { uploadBytesPerSecond: 0 } }, 'bandwidth.uploadBytesPerSecond: must be a number greater than 0, got 0'],
    [{ ...noAuth, defender: { allowList: '10.0.0.0/8' } }, 'defender.allowList: must be a list, got "10.0.0.0/8"'],
    [
      { ...noAuth, tls: { certFile: 'c.pem', keyFile: 'k.pem', minVersion: 'TLSv1.1' } },
      'tls.minVersion: must be one of TLSv1.2, TLSv1.3, got "TLSv1.1"',
    ],
    [{ ...noAuth, proxyProtocol: { trustedSources: ['10.0.0.1'], versions: [3] } }, 'proxyProtocol.versions[0]: must be 1 or 2, got 3'],
    [
      { authenticator: 'no-auth', storageConfig: { root: '/srv', fileMode: 99999 } },
      'storageConfig.fileMode: must be an integer from 0 to 4095, got 99999',
    ],
    [
      { authenticator: 'no-auth', storageConfig: {} },
      'storageConfig.root: is required for the fs storage connector: a directory path (may contain {user})',
    ],
    [
      { authenticator: 'no-auth', ...s3, storageConfig: { bucket: 'Bad_Bucket' } },
      'storageConfig.bucket: must be an S3 bucket name: 3-63 lower-case letters, digits, "." or "-"',
    ],
    [{ ...fs, authenticator: 'http-basic', authenticatorConfig: {} }, 'authenticatorConfig.loginUrl: is required'],
    [
      { ...fs, authenticator: 'http-basic', authenticatorConfig: { loginUrl: 'ftp://x/' } },
      'authenticatorConfig.loginUrl: must be an http or https URL, got "ftp://x/"',
    ],
    [
      { ...fs, authenticator: 'webhook', authenticatorConfig: { loginUrl, passwordHashType: 'crc32' } },
      'authenticatorConfig.passwordHashType: must be one of md5',
    ],
    [
      { ...fs, authenticator: 'webhook', authenticatorConfig: { loginUrl, credentialsIn: 'json' } },
      'authenticatorConfig.loginMethod: must be POST, PUT or PATCH when credentialsIn is "json"',
    ],
  ])('%j', (document, problem) => {
    const [found, ...more] = problemsOf(document);
    expect(found).toContain(problem);
    expect(more).toEqual([]);
  });

  it('never repeats a secret in a message', () => {
    const storageConfig = { bucket: 'ftp-files', credentials: { accessKeyId: 'AKIA', secretAccessKey: 12345678 } };
    const [problem] = problemsOf({ authenticator: 'no-auth', storageConnector: 's3', storageConfig });
    expect(problem).toBe('storageConfig.credentials.secretAccessKey: must be a non-empty string');
    const withUserInfo = problemsOf({ ...fs, authenticator: 'http-basic', authenticatorConfig: { loginUrl: 'ftp://alice:hunter2@x/' } });
    expect(withUserInfo.join('\n')).not.toContain('hunter2');
  });

  it('accepts ex_ftp-style method names in any case', () => {
    const config = parse({
      ...fs,
      authenticator: 'webhook',
      authenticatorConfig: { loginUrl, loginMethod: 'post', credentialsIn: 'form' },
    });
    expect(config.authenticatorConfig).toEqual({ loginUrl, loginMethod: 'post', credentialsIn: 'form' });
  });
});

describe('every problem of a config at once', () => {
  it('reports the file and the environment together, each with its source', () => {
    const document = { authenticator: 'local', authenticatorConfig: { users: [{ username: 'a' }] }, ftpPort: 'x', defender: { banMS: 1 } };
    let error: ConfigError | undefined;
    try {
      parse(document, { USER_DEFAULTS: '{"quota":{"maxFile":1}}', IDLE_TIMEOUT_MS: 'soon' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.message.split('\n')).toEqual([
      '6 problems:',
      '  idleTimeoutMs (from environment variable IDLE_TIMEOUT_MS): must be an integer, got "soon"',
      `  ftpPort (in ${configFile}): must be an integer from 0 to 65535, got "x"`,
      '  userDefaults.quota.maxFile (from environment variable USER_DEFAULTS): unknown key; did you mean "maxFiles"?',
      `  defender.banMS (in ${configFile}): unknown key; did you mean "banMs"?`,
      `  authenticatorConfig.users[0].passwordHash (in ${configFile}): is required`,
      `  storageConfig.root: is required for the fs storage connector: a directory path (may contain {user})`,
    ]);
  });
});

describe('the fail-open mistake', () => {
  it('refuses permissions misspelt under userDefaults instead of leaving STOR and DELE open', () => {
    const document = { ...noAuth, userDefaults: { permisions: { upload: false, delete: false } } };
    expect(() => parse(document)).toThrow(ConfigError);
    expect(parse({ ...noAuth, userDefaults: { permissions: { upload: false, delete: false } } }).userDefaults).toEqual({
      permissions: { upload: false, delete: false },
    });
  });
});

describe('environment variables map onto the same schema', () => {
  it('checks a JSON section from the environment as deep as one from the file', () => {
    expect(problemsOf(noAuth, { DEFENDER: '{"maxFailuresPerIp":0}' })).toEqual([
      'defender.maxFailuresPerIp: must be an integer from 1 to 1000000, got 0',
    ]);
    expect(parse(noAuth, { BANDWIDTH: '{"uploadBytesPerSecond":1000}' }).bandwidth).toEqual({ uploadBytesPerSecond: 1000 });
  });

  it('checks the options of an authenticator named in the environment', () => {
    expect(problemsOf(fs, { AUTHENTICATOR: 'http-bearer', AUTHENTICATOR_CONFIG: '{"loginURL":"http://x/"}' })).toEqual([
      'authenticatorConfig.loginUrl: is required',
      'authenticatorConfig.loginURL: unknown key; did you mean "loginUrl"?',
    ]);
  });
});
