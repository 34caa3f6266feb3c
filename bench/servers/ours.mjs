// Our built server (packages/*/dist) with the fs connector, as the benchmark runs it: node ours.mjs ROOT FSYNC.
// Prints the listening port on stdout; SIGTERM exits normally so that --cpu-prof can write its profile.
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';

const [root, fsync] = process.argv.slice(2);
const server = createFtpServer({
  authenticator: createNoAuthAuthenticator(),
  storage: createFsStorage({ root, createRoot: false, fsync: fsync === 'fsync' }),
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
