import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createPostgresAuthenticator, hashPassword } from '../src/index.ts';
import { runAuthenticatorConformance } from '@ftp/plugin-api/testing';
import { argon2id, bcrypt } from 'hash-wasm';
import { afterAll, beforeAll, describe } from 'vitest';
import { noPostgresReason, postgresBin, startPostgres, type TestPostgres } from './support/postgres.ts';

// The contract kit of @ftp/plugin-api against a real PostgreSQL, once for each kind of stored hash.

const credentials = { username: 'alice', password: 'wonder land' };

const hashes: Array<[string, () => Promise<string>]> = [
  ['scrypt', () => hashPassword(credentials.password, { logCost: 10 })],
  ['bcrypt', () => bcrypt({ password: credentials.password, salt: randomBytes(16), costFactor: 4, outputType: 'encoded' })],
  [
    'argon2id',
    () =>
      argon2id({
        password: credentials.password,
        salt: randomBytes(16),
        memorySize: 1024,
        iterations: 1,
        parallelism: 1,
        hashLength: 32,
        outputType: 'encoded',
      }),
  ],
];

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(postgresBin === undefined)(
  `postgres authenticator conformance${postgresBin === undefined ? ` (${noPostgresReason})` : ''}`,
  () => {
    let postgres: TestPostgres;
    let schemas = 0;
    beforeAll(async () => {
      postgres = await startPostgres();
    }, 60_000);
    afterAll(() => postgres?.destroy(), 60_000);

    for (const [kind, makeHash] of hashes) {
      runAuthenticatorConformance(
        `postgres (${kind} hash)`,
        async () => {
          const schema = `conformance_${(schemas += 1)}`;
          const authenticator = await createPostgresAuthenticator({ connectionString: postgres.connectionString, schema });
          await postgres.query(`INSERT INTO ${schema}.users (username, password_hash) VALUES ($1, $2)`, [
            credentials.username,
            await makeHash(),
          ]);
          return { authenticator, validCredentials: credentials };
        },
        // The checks that do not depend on the stored hash run once, with the server's own format.
        kind !== 'scrypt'
          ? { skip: ['shape', 'unavailable', 'health', 'close'] as const }
          : {
              createUnavailable: async () => ({
                // Without migrate, creation does not need the database: it is down from the first login on.
                authenticator: await createPostgresAuthenticator({
                  connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/postgres`,
                  migrate: false,
                  connectTimeoutMs: 2_000,
                }),
                validCredentials: credentials,
              }),
            },
      );
    }
  },
);
