import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, listeningPort, runCli } from './support/cli.ts';

// An operator coming from ex_ftp writes the keys and module names of its config.exs in ftp.json: the built CLI starts
// from them, says on stderr which native spelling each one is read as, and serves as configured.

let directory: string;

beforeAll(assertCliBuilt);
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ftp-ex-ftp-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('an ex_ftp-style ftp.json', () => {
  it('starts the CLI with a warning per ex_ftp spelling, and serves PassthroughAuth users from FileConnector', async () => {
    // config :ex_ftp, ftp_addr: "127.0.0.1", ftp_port: 0, authenticator: ExFTP.Auth.PassthroughAuth, authenticator_config: %{},
    //   storage_connector: ExFTP.Storage.FileConnector, storage_config: %{root: "./data/{user}"}
    await writeFile(
      join(directory, 'ftp.json'),
      JSON.stringify({
        ftp_addr: '127.0.0.1',
        ftp_port: 0,
        authenticator: 'ExFTP.Auth.PassthroughAuth',
        authenticator_config: {},
        storage_connector: 'ExFTP.Storage.FileConnector',
        storage_config: { root: './data/{user}' },
      }),
    );
    const app = runCli(['--config', 'ftp.json'], { cwd: directory });
    const port = await listeningPort(app);
    const stderr = app.stderr();

    const source = `in ${join(directory, 'ftp.json')}`;
    const warning = (key: string, text: string) => `ftp-server: configuration warning: ${key} (${source}): ${text}`;
    expect(stderr.trimEnd().split('\n')).toEqual([
      warning('ftp_addr', `ex_ftp's key, read as "ftpAddr"; write "ftpAddr" (the native spelling)`),
      warning('ftp_port', `ex_ftp's key, read as "ftpPort"; write "ftpPort" (the native spelling)`),
      warning('authenticator_config', `ex_ftp's key, read as "authenticatorConfig"; write "authenticatorConfig" (the native spelling)`),
      warning('storage_connector', `ex_ftp's key, read as "storageConnector"; write "storageConnector" (the native spelling)`),
      warning('storage_config', `ex_ftp's key, read as "storageConfig"; write "storageConfig" (the native spelling)`),
      warning(
        'authenticator',
        `"ExFTP.Auth.PassthroughAuth" is ex_ftp's module name, read as "passthrough"; write "passthrough" (the native spelling)`,
      ),
      warning('storage_connector', `"ExFTP.Storage.FileConnector" is ex_ftp's module name, read as "fs"; write "fs" (the native spelling)`),
    ]);

    const client = new Client(10_000);
    try {
      await client.access({ host: '127.0.0.1', port, user: 'carol', password: 'anything' });
      await client.uploadFrom(Readable.from([Buffer.from('from ex_ftp')]), 'note.txt');
    } finally {
      client.close();
    }
    expect(await readFile(join(directory, 'data/carol/note.txt'), 'utf8')).toBe('from ex_ftp');
  });
});
