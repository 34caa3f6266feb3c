import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginVersionError, silentLogger, type PluginContext } from '@ftp/plugin-api';
import { hashPassword } from '@ftp/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { resolvePluginUrl } from './package-resolution.ts';
import { loadAuthenticator, loadStorageConnector } from './plugins.ts';

const context: PluginContext = {
  sessionId: 's1',
  remoteAddress: '127.0.0.1',
  localAddress: '127.0.0.1',
  secure: false,
  signal: new AbortController().signal,
  logger: silentLogger,
};

let directory: string;
const environment = () => ({ logger: silentLogger, configDirectory: directory });

async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(directory, path)), { recursive: true });
    await writeFile(join(directory, path), text);
  }
}

const packageJson = (name: string, extra: Record<string, unknown>) => JSON.stringify({ name, version: '1.0.0', ...extra });

// An ESM plugin whose package.json only has an "import" condition, as a modern plugin would publish.
const esmAuthenticator = `
export function createAuthenticator(config, environment) {
  return {
    specificationVersion: 'v1',
    name: 'fixture-auth',
    configDirectory: environment.configDirectory,
    async authenticate(request) {
      return request.password === config.password
        ? { outcome: 'accepted', user: { username: request.username } }
        : { outcome: 'rejected' };
    },
  };
}`;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-plugins-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loading plugins by package name', () => {
  it('loads an ESM authenticator package from node_modules and passes config and environment', async () => {
    await writeFiles({
      'node_modules/my-plugin/package.json': packageJson('my-plugin', { type: 'module', exports: { '.': { import: './lib/index.js' } } }),
      'node_modules/my-plugin/lib/index.js': esmAuthenticator,
    });
    const authenticator = await loadAuthenticator('my-plugin', { password: 'open sesame' }, environment());
    expect(authenticator.name).toBe('fixture-auth');
    expect((authenticator as unknown as { configDirectory: string }).configDirectory).toBe(directory);
    const accepted = await authenticator.authenticate({ username: 'a', password: 'open sesame' }, context);
    const rejected = await authenticator.authenticate({ username: 'a', password: 'nope' }, context);
    expect([accepted.outcome, rejected.outcome]).toEqual(['accepted', 'rejected']);
  });

  it('loads a scoped CommonJS storage package whose module.exports is the factory', async () => {
    await writeFiles({
      'node_modules/@acme/ftp-store/package.json': packageJson('@acme/ftp-store', { main: 'main.js' }),
      'node_modules/@acme/ftp-store/main.js': `
        module.exports = function (config) {
          return { specificationVersion: 'v1', name: 'acme-' + config.bucket, async openSession() { return {}; } };
        };`,
    });
    const storage = await loadStorageConnector('@acme/ftp-store', { bucket: 'b1' }, environment());
    expect(storage.name).toBe('acme-b1');
  });

  it('loads a plugin by a path relative to the config directory, through a default export', async () => {
    await writeFiles({
      'plugins/auth.mjs': `export default async () => ({ specificationVersion: 'v1', name: 'by-path', async authenticate() { return { outcome: 'rejected' }; } });`,
    });
    const authenticator = await loadAuthenticator('./plugins/auth.mjs', {}, environment());
    expect(authenticator.name).toBe('by-path');
  });

  it('rejects a plugin of another specification version with PluginVersionError', async () => {
    await writeFiles({
      'node_modules/future-auth/package.json': packageJson('future-auth', { type: 'module', exports: './index.js' }),
      'node_modules/future-auth/index.js': `export const createAuthenticator = () => ({ specificationVersion: 'v2', name: 'x', authenticate() {} });`,
    });
    const loading = loadAuthenticator('future-auth', {}, environment());
    await expect(loading).rejects.toThrow(PluginVersionError);
    await expect(loadAuthenticator('future-auth', {}, environment())).rejects.toThrow(/"v2".*supports v1/);
  });

  it.each([
    [
      'a missing required method',
      `export const createStorageConnector = () => ({ specificationVersion: 'v1', name: 'x' });`,
      /storageConnector: "broken" returned a plugin without the required method openSession\(\)/,
    ],
    [
      'no factory',
      `export const somethingElse = 1;`,
      /storageConnector: package "broken" exports neither createStorageConnector\(\) nor a default function/,
    ],
    ['a factory returning nothing', `export default () => undefined;`, /returned undefined, not a plugin object/],
    ['a module that fails to load', `throw new Error('boom');`, /storageConnector: cannot load "broken" from .*: boom/],
  ])('rejects a package with %s', async (_label, source, message) => {
    await writeFiles({
      'node_modules/broken/package.json': packageJson('broken', { type: 'module', main: 'index.js' }),
      'node_modules/broken/index.js': source,
    });
    await expect(loadStorageConnector('broken', {}, environment())).rejects.toThrow(message);
  });

  it('names the config key when a plugin rejects an option (even from another copy of the plugin API)', async () => {
    await writeFiles({
      'node_modules/picky/package.json': packageJson('picky', { type: 'module', main: 'index.js' }),
      'node_modules/picky/index.js': `
        export function createAuthenticator() {
          const error = new Error('token: is required');
          Object.defineProperty(error, Symbol.for('@ftp/error'), { value: true });
          Object.assign(error, { code: 'FTP_ERR_INVALID_OPTION', option: 'token' });
          throw error;
        }`,
    });
    const loading = loadAuthenticator('picky', {}, environment());
    await expect(loading).rejects.toThrow(ConfigError);
    await expect(loadAuthenticator('picky', {}, environment())).rejects.toThrow('authenticatorConfig.token: is required');
  });

  it('loads a CommonJS plugin whose main has no extension, as Node does', async () => {
    await writeFiles({
      'node_modules/ftp-auth-legacy/package.json': packageJson('ftp-auth-legacy', { main: 'lib/index' }),
      'node_modules/ftp-auth-legacy/lib/index.js': `
        exports.createAuthenticator = () => ({ specificationVersion: 'v1', name: 'legacy', async authenticate() { return { outcome: 'rejected' }; } });`,
    });
    expect((await loadAuthenticator('ftp-auth-legacy', {}, environment())).name).toBe('legacy');
  });

  it("names the config key and Node's reason when a package does not export the subpath", async () => {
    await writeFiles({
      'node_modules/sealed/package.json': packageJson('sealed', { type: 'module', exports: { '.': './index.js' } }),
      'node_modules/sealed/index.js': 'export default () => ({});',
    });
    await expect(loadStorageConnector('sealed/internal', {}, environment())).rejects.toThrow(
      /storageConnector: cannot resolve "sealed\/internal": .*Package subpath '\.\/internal' is not defined by "exports"/,
    );
  });

  it('explains that an unknown name is neither built in nor installed', async () => {
    await expect(loadAuthenticator('ftp-auth-does-not-exist', {}, environment())).rejects.toThrow(
      /authenticator: "ftp-auth-does-not-exist" is neither a built-in \(no-auth, passthrough, local, http-basic, http-digest, http-bearer, webhook\) nor a package installed in/,
    );
  });
});

describe('resolvePluginUrl', () => {
  const file = (path: string) => pathToFileURL(join(directory, path)).href;

  it('searches the directories in order, walking up to node_modules, with the conditions of an import', async () => {
    await writeFiles({
      'project/node_modules/walk-up/package.json': packageJson('walk-up', {
        exports: { '.': { require: './cjs.js', import: './esm.js' }, './extra': './extra.js' },
      }),
      'project/node_modules/walk-up/esm.js': '',
      'project/node_modules/walk-up/extra.js': '',
      'project/config/nested/.keep': '',
      'elsewhere/.keep': '',
    });
    const found = resolvePluginUrl('walk-up', [join(directory, 'elsewhere'), join(directory, 'project/config/nested')]);
    expect(found?.href).toBe(file('project/node_modules/walk-up/esm.js'));
    expect(resolvePluginUrl('walk-up/extra', [join(directory, 'project')])?.href).toBe(file('project/node_modules/walk-up/extra.js'));
    expect(resolvePluginUrl('not-installed', [join(directory, 'project')])).toBeUndefined();
    expect(() => resolvePluginUrl('walk-up/private', [join(directory, 'project')])).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }),
    );
  });

  it('accepts what Node accepts: an extensionless main, a main that is a directory, subpath patterns', async () => {
    await writeFiles({
      'node_modules/bare-main/package.json': packageJson('bare-main', { main: 'lib/index' }),
      'node_modules/bare-main/lib/index.js': '',
      'node_modules/folder-main/package.json': packageJson('folder-main', { main: 'lib' }),
      'node_modules/folder-main/lib/index.js': '',
      'node_modules/patterned/package.json': packageJson('patterned', { exports: { './plugins/*': { node: './dist/*.js' } } }),
      'node_modules/patterned/dist/auth.js': '',
    });
    expect(resolvePluginUrl('bare-main', [directory])?.href).toBe(file('node_modules/bare-main/lib/index.js'));
    expect(resolvePluginUrl('folder-main', [directory])?.href).toBe(file('node_modules/folder-main/lib/index.js'));
    expect(resolvePluginUrl('patterned/plugins/auth', [directory])?.href).toBe(file('node_modules/patterned/dist/auth.js'));
  });

  it('tells a broken package (main names a missing file) from a missing one', async () => {
    await writeFiles({ 'node_modules/hollow/package.json': packageJson('hollow', { main: 'gone.js' }) });
    expect(() => resolvePluginUrl('hollow', [directory])).toThrow(expect.objectContaining({ code: 'ERR_MODULE_NOT_FOUND' }));
    expect(resolvePluginUrl('./missing.js', [directory])).toBeUndefined();
  });
});

describe('built-in plugins', () => {
  // Options these do not take, and a missing fs root, are refused by the schemas before (config-schema.test.ts).
  it('builds no-auth and passthrough', async () => {
    expect((await loadAuthenticator('no-auth', {}, environment())).name).toBe('no-auth');
    expect((await loadAuthenticator('passthrough', {}, environment())).name).toBe('passthrough');
  });

  it('resolves the local usersFile against the config directory and prefixes option errors', async () => {
    const passwordHash = await hashPassword('pw', { logCost: 4 });
    await writeFiles({ 'users.json': JSON.stringify({ users: [{ username: 'alice', passwordHash }] }) });
    const authenticator = await loadAuthenticator('local', { usersFile: 'users.json' }, environment());
    const result = await authenticator.authenticate({ username: 'alice', password: 'pw' }, context);
    expect(result.outcome).toBe('accepted');
    await expect(loadAuthenticator('local', { users: [{ username: 'bob' }] }, environment())).rejects.toThrow(
      'authenticatorConfig.users[0].passwordHash: must be a string',
    );
  });

  it('builds fs with a root relative to the config directory', async () => {
    const storage = await loadStorageConnector('fs', { root: 'data', createRoot: true }, environment());
    expect(storage.name).toBe('fs');
  });
});
