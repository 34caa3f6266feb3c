import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@ftp/server';
import { eventually, type LoggedProcess } from '@ftp/test-utils';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from '@ftp/test-utils/postgres';
import { Client } from 'basic-ftp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, isListeningLine, runCli } from './support/cli.ts';

// The built CLI with `workers: 2` and `sharedState: "postgres"`: each worker keeps its shared state in the database,
// as separate instances do, and the primary still counts every worker's connections against maxSessions.

let directory: string;

async function login(port: number, user: string, password = 'secret'): Promise<Client> {
  const client = new Client(30_000);
  await client.access({ host: '127.0.0.1', port, user, password });
  return client;
}

function workersOf(app: LoggedProcess, message: string): Set<unknown> {
  return new Set(app.logLines.filter((line) => line.msg === message || line.event === message).map((line) => line.worker));
}

describe.skipIf(postgresBin === undefined)(
  `ftp-server with workers: 2 on one PostgreSQL${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`,
  () => {
    let postgres: TestPostgres;
    beforeAll(async () => {
      assertCliBuilt();
      postgres = await startPostgres();
    }, 60_000);
    afterAll(() => postgres?.destroy(), 60_000);
    beforeEach(async () => {
      directory = await mkdtemp(join(tmpdir(), 'ftp-app-workers-pg-'));
    });
    afterEach(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it('holds maxSessions over both workers, and a ban recorded by one refuses the address on the other', async () => {
      const connectionString = await postgres.createDatabase();
      const passwordHash = await hashPassword('secret');
      await writeFile(
        join(directory, 'config.json'),
        JSON.stringify({
          ftpPort: 0,
          workers: 2,
          authenticator: 'local',
          authenticatorConfig: { users: [{ username: 'alice', passwordHash }] },
          storageConfig: { root: './data', createRoot: true },
          sharedState: 'postgres',
          sharedStateConfig: { connectionString },
          maxSessions: 3,
          maxLoginAttempts: 5,
          defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0 },
        }),
      );
      const app = runCli(['--config', join(directory, 'config.json')], { cwd: directory });
      const port = (await app.logLine(isListeningLine)).port as number;

      const clients = await Promise.all([login(port, 'alice'), login(port, 'alice'), login(port, 'alice')]);
      await eventually(() => app.logLines.filter((line) => line.event === 'login').length === 3, 'three logins logged');
      expect(workersOf(app, 'login')).toEqual(new Set([1, 2]));
      const refused = new Client(30_000);
      await expect(refused.connect('127.0.0.1', port)).rejects.toThrow(/421/);
      refused.close();
      for (const client of clients) client.close();
      await eventually(() => app.logLines.filter((line) => line.event === 'disconnect').length === 3, 'the sessions to end');

      const failing = new Client(30_000);
      await failing.connect('127.0.0.1', port);
      await failing.send('USER alice');
      await expect(failing.send('PASS wrong')).rejects.toThrow(/530/);
      await failing.send('USER alice');
      await expect(failing.send('PASS wrong')).rejects.toThrow(/421/);
      failing.close();
      for (let attempt = 0; attempt < 10 && workersOf(app, 'connection refused: address banned by the defender').size < 2; attempt++) {
        const banned = new Client(30_000);
        await expect(banned.access({ host: '127.0.0.1', port, user: 'alice', password: 'secret' })).rejects.toThrow(/421/);
        banned.close();
      }
      expect(workersOf(app, 'connection refused: address banned by the defender')).toEqual(new Set([1, 2]));
      // The ban is the database's, recorded once; each worker is an instance of the store.
      const bans = await postgres.query('SELECT count(*)::int AS count FROM ftp.bans', [], connectionString);
      expect(bans.rows[0].count).toBe(1);
      const instances = await postgres.query('SELECT count(*)::int AS count FROM ftp.instances', [], connectionString);
      expect(instances.rows[0].count).toBe(2);
    }, 120_000);
  },
);
