// Our built server as ours.mjs runs it, with its shared state in PostgreSQL (@ftp/store-postgres) at
// BENCH_POSTGRES_URL, as instances behind a load balancer run: every connection, login and disconnect goes to the
// database. Its users have a quota, so every upload reserves and commits there too (ours.mjs has none).
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { createPostgresSharedState } from '@ftp/store-postgres';

const [root, fsync] = process.argv.slice(2);
const server = createFtpServer({
  authenticator: createNoAuthAuthenticator(),
  storage: createFsStorage({ root, createRoot: false, fsync: fsync === 'fsync' }),
  sharedState: await createPostgresSharedState({ connectionString: process.env.BENCH_POSTGRES_URL, maxConnections: 32 }),
  userDefaults: { quota: { maxBytes: Number.MAX_SAFE_INTEGER, maxFiles: Number.MAX_SAFE_INTEGER } },
  host: '127.0.0.1',
  port: 0,
  maxSessions: 10_000,
  maxSessionsPerIp: 10_000,
});
const address = await server.listen();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => {
  server.close({ timeoutMs: 1000 }).finally(() => process.exit(0));
});
