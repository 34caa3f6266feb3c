import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { spawnLogged } from '@ftp/test-utils';
import { Client } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProject, packageNamed, packPackage, runOrThrow } from './support.ts';

// A user's project outside the workspace installs the packed packages with plain npm, as from the registry
// (`installProject` says how the tarballs stand in for it).

const corePackages = ['@ftp/server', '@ftp/plugin-api', '@ftp/storage-fs'];
const transitivePackages = ['@ftp/protocol'];
const optionalPlugins = ['@ftp/auth-http', '@ftp/storage-s3', '@ftp/store-postgres'].filter((name) => packageNamed(name) !== undefined);
const installTimeout = 300_000;

let scratch: string;
const tarballs = new Map<string, string>();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ftp-tarball-install-'));
  await mkdir(join(scratch, 'tarballs'));
  for (const name of [...corePackages, ...transitivePackages, ...optionalPlugins]) {
    tarballs.set(name, await packPackage(packageNamed(name)!, join(scratch, 'tarballs')));
  }
}, 180_000);
afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** Creates a project that depends on `names` only, installs it with npm, and returns its directory. */
async function installConsumer(projectName: string, names: readonly string[]): Promise<string> {
  const directory = join(scratch, projectName);
  await installProject(directory, names, tarballs);
  return directory;
}

const esmServer = `import { createFtpServer, createLocalAuthenticator, hashPassword } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
const server = createFtpServer({
  port: 0,
  authenticator: createLocalAuthenticator({ users: [{ username: 'alice', passwordHash: await hashPassword('secret') }] }),
  storage: createFsStorage({ root: process.argv[2] }),
});
console.log(JSON.stringify(await server.listen())); // { address, port }
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

// CommonJS, loading the ESM-only packages with require() (Node 20.19+ require(esm)); no top-level await here.
const commonJsServer = `const { createFtpServer, createNoAuthAuthenticator } = require('@ftp/server');
const { createFsStorage } = require('@ftp/storage-fs');
const server = createFtpServer({
  port: 0,
  authenticator: createNoAuthAuthenticator(),
  storage: createFsStorage({ root: process.argv[2] }),
});
server.listen().then(({ port }) => console.log(JSON.stringify({ port })));
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

/** Runs a script of the project (killed when the test finishes) and resolves with the port it prints. */
async function startScript(directory: string, script: string, root: string): Promise<{ child: ChildProcess; port: number }> {
  const started = spawnLogged(process.execPath, [script, root], { cwd: directory });
  return { child: started.child, port: (await started.logLine((line) => 'port' in line)).port as number };
}

async function roundTrip(port: number, user: string, password: string, content: string): Promise<string> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user, password });
    await client.uploadFrom(Readable.from([Buffer.from(content)]), 'round-trip.txt');
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    await client.downloadTo(sink, 'round-trip.txt');
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    client.close();
  }
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

describe('packages installed from their tarballs with npm, outside the workspace', () => {
  let project: string;

  beforeAll(async () => {
    project = await installConsumer('consumer-core', corePackages);
    await writeFile(join(project, 'server.mjs'), esmServer);
    await writeFile(join(project, 'server.cjs'), commonJsServer);
  }, installTimeout);

  it('installs exactly the three packages and what they need, no dev dependencies', async () => {
    const tree = JSON.parse(await runOrThrow('npm', ['ls', '--all', '--json'], { cwd: project })) as {
      dependencies: Record<string, { dependencies?: Record<string, unknown> }>;
    };
    expect(Object.keys(tree.dependencies).sort()).toEqual([...corePackages].sort());
    // iconv-lite: the legacy control-connection charsets; leven: the "did you mean" of an unknown option key.
    expect(Object.keys(tree.dependencies['@ftp/server']?.dependencies ?? {}).sort()).toEqual([
      '@ftp/plugin-api',
      '@ftp/protocol',
      'iconv-lite',
      'leven',
    ]);
  });

  it('runs a server from an ESM script and a client round-trips a file', async () => {
    const root = await mkdtemp(join(scratch, 'root-esm-'));
    const { child, port } = await startScript(project, 'server.mjs', root);
    expect(await roundTrip(port, 'alice', 'secret', 'stored through ESM')).toBe('stored through ESM');
    expect(await readFile(join(root, 'round-trip.txt'), 'utf8')).toBe('stored through ESM');
    expect(await stop(child)).toBe(0);
  });

  it('runs a server from a CommonJS script with require() and a client round-trips a file', async () => {
    const root = await mkdtemp(join(scratch, 'root-cjs-'));
    const { child, port } = await startScript(project, 'server.cjs', root);
    expect(await roundTrip(port, 'anonymous', 'guest@example.com', 'stored through require')).toBe('stored through require');
    expect(await readFile(join(root, 'round-trip.txt'), 'utf8')).toBe('stored through require');
    expect(await stop(child)).toBe(0);
  });
});

describe.each(optionalPlugins)('%s installed from its tarball with @ftp/plugin-api only', (name) => {
  let project: string;

  beforeAll(async () => {
    project = await installConsumer(`consumer-${name.split('/')[1]}`, ['@ftp/plugin-api', name]);
  }, installTimeout);

  it('imports and constructs a plugin from ESM and from require(), without @ftp/server installed', async () => {
    // The PostgreSQL store is checked through its user store over a pool, which connects only when first asked.
    const constructions: Record<string, { factory: string; construct: string }> = {
      '@ftp/auth-http': {
        factory: 'createBasicAuthenticator',
        construct: `createBasicAuthenticator({ loginUrl: 'http://127.0.0.1:9/login' })`,
      },
      '@ftp/storage-s3': {
        factory: 'createS3Storage',
        construct: `createS3Storage({ bucket: 'files', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'key', secretAccessKey: 'secret' } })`,
      },
      '@ftp/store-postgres': {
        factory: 'createPostgresPool, createPostgresUserStore',
        construct: `{ specificationVersion: typeof createPostgresUserStore(createPostgresPool({ connectionString: 'postgres://u@127.0.0.1:9/db' })).addUser === 'function' ? 'v1' : 'none' }`,
      },
    };
    const { factory, construct } = constructions[name]!;
    const check = (plugin: string) => `console.log(JSON.stringify({ version: ${plugin}.specificationVersion, name: ${plugin}.name }));`;
    await writeFile(
      join(project, 'check.mjs'),
      `import { ${factory} } from '${name}';\nconst plugin = ${construct};\n${check('plugin')}\n`,
    );
    await writeFile(
      join(project, 'check.cjs'),
      `const { ${factory} } = require('${name}');\nconst plugin = ${construct};\n${check('plugin')}\n`,
    );
    for (const script of ['check.mjs', 'check.cjs']) {
      const output = await runOrThrow(process.execPath, [script], { cwd: project });
      expect(JSON.parse(output.trim().split('\n').at(-1)!)).toMatchObject({ version: 'v1' });
    }
    await expect(readFile(join(project, 'node_modules/@ftp/server/package.json'))).rejects.toThrow();
  }, 60_000);
});
