import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { ConfigError } from './config-error.ts';
import { configJsonSchema } from './config-docs.ts';

// An operator coming from ex_ftp writes the keys and module names of its config.exs: they are read as the native
// spelling, each with a warning that names it.

const configFile = '/etc/ftp/ftp.json';
const source = `in ${configFile}`;

function parseWithWarnings(document: Record<string, unknown>, environment: Record<string, string> = {}) {
  const warnings: string[] = [];
  const config = parseConfig(document, { environment, configDirectory: '/etc/ftp', configFile, warn: (warning) => warnings.push(warning) });
  return { config, warnings };
}

function problemsOf(document: Record<string, unknown>): string[] {
  try {
    parseWithWarnings(document);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((problem) => `${problem.key}: ${problem.reason}`);
  }
  throw new Error('the document was accepted');
}

const loginUrl = 'http://127.0.0.1:9/login';

describe("ex_ftp's top-level keys", () => {
  it('are read as the native keys, each with a warning naming the native spelling', () => {
    const { config, warnings } = parseWithWarnings({
      ftp_addr: '0.0.0.0',
      ftp_port: 4040,
      min_passive_port: 40002,
      max_passive_port: 40007,
      authenticator: 'passthrough',
      authenticator_config: {},
      storage_connector: 'fs',
      storage_config: { root: '/srv/ftp/{user}' },
    });
    expect(config).toMatchObject({
      ftpAddr: '0.0.0.0',
      ftpPort: 4040,
      minPassivePort: 40002,
      maxPassivePort: 40007,
      authenticator: 'passthrough',
      authenticatorConfig: {},
      storageConnector: 'fs',
      storageConfig: { root: '/srv/ftp/{user}' },
    });
    expect(warnings).toEqual(
      [
        ['ftp_addr', 'ftpAddr'],
        ['ftp_port', 'ftpPort'],
        ['min_passive_port', 'minPassivePort'],
        ['max_passive_port', 'maxPassivePort'],
        ['authenticator_config', 'authenticatorConfig'],
        ['storage_connector', 'storageConnector'],
        ['storage_config', 'storageConfig'],
      ].map(
        ([exFtpKey, nativeKey]) =>
          `${exFtpKey} (${source}): ex_ftp's key, read as "${nativeKey}"; write "${nativeKey}" (the native spelling)`,
      ),
    );
  });

  it("are reported in the document's own spelling when their value is wrong", () => {
    expect(problemsOf({ ftp_port: 'twenty-one', authenticator: 'no-auth', storage_config: { root: '/srv', fsynk: false } })).toEqual([
      'ftp_port: must be an integer from 0 to 65535, got "twenty-one"',
      'storage_config.fsynk: unknown key; did you mean "fsync"?',
    ]);
    expect(problemsOf({ min_passive_port: 40002, authenticator: 'no-auth', storageConfig: { root: '/srv' } })).toEqual([
      'maxPassivePort: is required when the other end of the passive port range is set',
    ]);
  });

  it('clash with the native key given too', () => {
    expect(problemsOf({ ftp_port: 21, ftpPort: 2121, authenticator: 'no-auth', storageConfig: { root: '/srv' } })).toEqual([
      'ftp_port: ex_ftp\'s name for "ftpPort", which is set too; keep one',
    ]);
  });

  it('stay refused when they are not ex_ftp keys', () => {
    expect(problemsOf({ pasv_address: '1.2.3.4', authenticator: 'no-auth', storageConfig: { root: '/srv' } })).toEqual([
      'pasv_address: unknown key; did you mean "pasvAddress"?',
    ]);
  });
});

describe("ex_ftp's module names", () => {
  it.each([
    ['ExFTP.Auth.NoAuth', 'no-auth', {}],
    ['ExFTP.Auth.PassthroughAuth', 'passthrough', {}],
    ['ExFTP.Auth.BasicAuth', 'http-basic', { loginUrl }],
    ['ExFTP.Auth.DigestAuth', 'http-digest', { loginUrl }],
    ['ExFTP.Auth.BearerAuth', 'http-bearer', { loginUrl }],
    ['ExFTP.Auth.WebhookAuth', 'webhook', { loginUrl }],
  ])('%s is the %s authenticator', (moduleName, nativeName, authenticatorConfig) => {
    const { config, warnings } = parseWithWarnings({ authenticator: moduleName, authenticatorConfig, storageConfig: { root: '/srv' } });
    expect(config.authenticator).toBe(nativeName);
    expect(warnings).toEqual([
      `authenticator (${source}): "${moduleName}" is ex_ftp's module name, read as "${nativeName}"; write "${nativeName}" (the native spelling)`,
    ]);
  });

  it.each([
    ['ExFTP.Storage.FileConnector', 'fs', { root: '/srv' }],
    ['ExFTP.Storage.S3Connector', 's3', { bucket: 'ftp-files' }],
  ])('%s is the %s storage connector', (moduleName, nativeName, storageConfig) => {
    const { config, warnings } = parseWithWarnings({ authenticator: 'no-auth', storageConnector: moduleName, storageConfig });
    expect([config.storageConnector, config.storageConfig]).toEqual([nativeName, storageConfig]);
    expect(warnings).toEqual([
      `storageConnector (${source}): "${moduleName}" is ex_ftp's module name, read as "${nativeName}"; write "${nativeName}" (the native spelling)`,
    ]);
  });

  it("are also read as Elixir's full atom names, and from the environment", () => {
    const { config, warnings } = parseWithWarnings({ storageConfig: { root: '/srv' } }, { AUTHENTICATOR: 'Elixir.ExFTP.Auth.NoAuth' });
    expect(config.authenticator).toBe('no-auth');
    expect(warnings).toEqual([
      'authenticator (from environment variable AUTHENTICATOR): "Elixir.ExFTP.Auth.NoAuth" is ex_ftp\'s module name, read as "no-auth"; write "no-auth" (the native spelling)',
    ]);
  });
});

describe("ex_ftp's authenticator_config keys", () => {
  it('are read as the options of the HTTP authenticators, with a warning each', () => {
    const { config, warnings } = parseWithWarnings({
      authenticator: 'ExFTP.Auth.WebhookAuth',
      authenticator_config: {
        login_url: loginUrl,
        login_method: 'post',
        authenticated_url: 'http://127.0.0.1:9/check',
        authenticated_method: 'get',
        authenticated_ttl_ms: 60_000,
        password_hash_type: 'sha256',
      },
      storageConfig: { root: '/srv' },
    });
    expect(config.authenticatorConfig).toEqual({
      loginUrl,
      loginMethod: 'post',
      authenticatedUrl: 'http://127.0.0.1:9/check',
      authenticatedMethod: 'get',
      authenticatedTtlMs: 60_000,
      passwordHashType: 'sha256',
    });
    expect(warnings.filter((warning) => warning.startsWith('authenticator_config.'))).toEqual(
      [
        ['login_url', 'loginUrl'],
        ['login_method', 'loginMethod'],
        ['authenticated_url', 'authenticatedUrl'],
        ['authenticated_method', 'authenticatedMethod'],
        ['authenticated_ttl_ms', 'authenticatedTtlMs'],
        ['password_hash_type', 'passwordHashType'],
      ].map(
        ([exFtpKey, nativeKey]) =>
          `authenticator_config.${exFtpKey} (${source}): ex_ftp's key, read as "${nativeKey}"; write "${nativeKey}" (the native spelling)`,
      ),
    );
  });

  it('are checked in their own spelling, and password_hash_type only where ex_ftp has it', () => {
    expect(
      problemsOf({
        authenticator: 'ExFTP.Auth.BasicAuth',
        authenticator_config: { login_url: 'ftp://x/', password_hash_type: 'sha256' },
        storageConfig: { root: '/srv' },
      }),
    ).toEqual([
      'authenticator_config.login_url: must be an http or https URL, got "ftp://x/"',
      'authenticator_config.password_hash_type: unknown key; only the webhook authenticator (ExFTP.Auth.WebhookAuth) takes it',
    ]);
  });

  it('are left to a plugin from a package as they are', () => {
    const { config, warnings } = parseWithWarnings({
      authenticator: '@acme/ftp-auth',
      authenticatorConfig: { login_url: loginUrl },
      storageConfig: { root: '/srv' },
    });
    expect([config.authenticatorConfig, warnings]).toEqual([{ login_url: loginUrl }, []]);
  });
});

describe('the JSON Schema', () => {
  it("takes ex_ftp's keys and module names, marked deprecated in favour of the native spelling", () => {
    const schema = configJsonSchema() as { properties: Record<string, { deprecated?: boolean }>; allOf: unknown[]; definitions: unknown };
    expect(schema.properties.ftp_port?.deprecated).toBe(true);
    const conditions = JSON.stringify([schema.allOf, schema.definitions]);
    for (const name of [
      'ExFTP.Auth.BasicAuth',
      'ExFTP.Auth.WebhookAuth',
      'ExFTP.Storage.S3Connector',
      'authenticator_config',
      'login_url',
    ]) {
      expect(conditions).toContain(`"${name}"`);
    }
  });
});

describe("the README's migration example", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Coming from ex_ftp'), readme.indexOf('## Logs'));
  const nativeDocument = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)?.[1] ?? 'null') as Record<string, unknown>;

  it('is a valid config in the native spelling', () => {
    const { config, warnings } = parseWithWarnings(nativeDocument);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({ authenticator: 'http-basic', storageConnector: 'fs', ftpPort: 21 });
  });

  it("reads the config.exs beside it, written in ex_ftp's spelling, as the same config", () => {
    const exFtpDocument = {
      $schema: nativeDocument.$schema,
      ftp_addr: '0.0.0.0',
      ftp_port: 21,
      min_passive_port: 40_002,
      max_passive_port: 40_007,
      authenticator: 'ExFTP.Auth.BasicAuth',
      authenticator_config: {
        login_url: 'https://auth.example.com/login',
        login_method: 'GET',
        authenticated_url: 'https://auth.example.com/me',
        authenticated_method: 'GET',
        authenticated_ttl_ms: 1000 * 60 * 60,
      },
      storage_connector: 'ExFTP.Storage.FileConnector',
      storage_config: { root: '/srv/ftp/{user}' },
    };
    const fromExFtp = parseWithWarnings(exFtpDocument);
    expect(fromExFtp.config).toEqual(parseWithWarnings(nativeDocument).config);
    expect(fromExFtp.warnings).toHaveLength(14);
  });
});
