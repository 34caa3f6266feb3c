import { runSharedStateConformance } from '@ftp/plugin-api/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { createPostgresSharedState } from '../src/index.ts';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

// The shared state's contract kit on a real PostgreSQL, with two instances on one database as two servers would have:
// every limit holds across both, under parallel calls spread over both.

describe.skipIf(postgresBin === undefined)(`shared state on PostgreSQL${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`, () => {
  let postgres: TestPostgres;
  let connectionString: string;
  beforeAll(async () => {
    postgres = await startPostgres();
    connectionString = await postgres.createDatabase();
  }, 60_000);
  afterAll(() => postgres?.destroy(), 60_000);

  runSharedStateConformance('postgres', async () => ({
    state: await createPostgresSharedState({ connectionString }),
    peer: await createPostgresSharedState({ connectionString }),
  }));
});
