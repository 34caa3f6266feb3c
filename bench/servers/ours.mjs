// Our built server (packages/*/dist) with the fs connector, as the benchmark runs it: node ours.mjs ROOT FSYNC.
// Prints the listening port on stdout; SIGTERM exits normally so that --cpu-prof can write its profile.
// With BENCH_POSTGRES_URL (ours-postgres), the same server keeps its shared state in that PostgreSQL
// (@ftp/store-postgres), as instances behind a load balancer do: every connection, login and disconnect goes to the
// database, and its users have a quota, so every upload reserves and commits there too. With BENCH_QUOTA=1
// (ours-quota) the users have the same quota in the in-memory shared state: the one difference from ours-postgres is
// where the state lives.
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';

const [root, fsync] = process.argv.slice(2);
const postgresUrl = process.env.BENCH_POSTGRES_URL;
const quota = { userDefaults: { quota: { maxBytes: Number.MAX_SAFE_INTEGER, maxFiles: Number.MAX_SAFE_INTEGER } } };
const shared =
  postgresUrl !== undefined
    ? {
        sharedState: await (await import('@ftp/store-postgres')).createPostgresSharedState({
          connectionString: postgresUrl,
          maxConnections: 32,
        }),
        ...quota,
      }
    : process.env.BENCH_QUOTA === '1'
      ? quota
      : {};
const server = createFtpServer({
  authenticator: createNoAuthAuthenticator(),
  storage: createFsStorage({ root, createRoot: false, fsync: fsync === 'fsync' }),
  host: '127.0.0.1',
  port: 0,
  maxSessions: 10_000,
  maxSessionsPerIp: 10_000,
  ...shared,
});
const address = await server.listen();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => {
  server.close({ timeoutMs: 1000 }).finally(() => process.exit(0));
});
