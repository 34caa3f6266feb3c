import type { SharedStateV1 } from '@ftp/plugin-api';
import { afterAll, beforeAll, describe, onTestFinished } from 'vitest';
import { createPostgresSharedState } from '../src/index.ts';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

/** What a shared-state test file's body gets from `describeSharedState`. */
export interface SharedStateSuite {
  /** The block's PostgreSQL server, started before its tests (so call this inside a test or hook). */
  postgres(): TestPostgres;
  /** A shared state closed when the test that opened it ends. */
  open(options: Parameters<typeof createPostgresSharedState>[0]): Promise<SharedStateV1>;
}

/** A describe block on one throwaway PostgreSQL server, skipped (saying why) where no PostgreSQL is installed. */
export function describeSharedState(title: string, body: (suite: SharedStateSuite) => void): void {
  describe.skipIf(postgresBin === undefined)(`${title}${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`, () => {
    let server: TestPostgres | undefined;
    beforeAll(async () => {
      server = await startPostgres();
    }, 60_000);
    afterAll(() => server?.destroy(), 60_000);
    const postgres = () => {
      if (server === undefined) throw new Error('the PostgreSQL server starts before the tests: use it inside one');
      return server;
    };
    body({ postgres, open: openSharedState });
  });
}

async function openSharedState(options: Parameters<typeof createPostgresSharedState>[0]): Promise<SharedStateV1> {
  const state = await createPostgresSharedState(options);
  onTestFinished(() => state.close?.());
  return state;
}
