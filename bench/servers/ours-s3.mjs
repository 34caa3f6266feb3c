// Our built server (packages/*/dist) with the S3 connector, as the S3 metric runs it: node ours-s3.mjs, with the
// createS3Storage options (bucket, endpoint, region, credentials, forcePathStyle, prefix, partSize, queueSize) as JSON
// in FTP_BENCH_S3_OPTIONS (the environment, not the command line, which any user can read). Prints the listening port on stdout; exits on SIGTERM or when stdin closes (the bench ended).
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { createS3Storage } from '@ftp/storage-s3';

const options = JSON.parse(process.env.FTP_BENCH_S3_OPTIONS);
const server = createFtpServer({
  authenticator: createNoAuthAuthenticator(),
  storage: createS3Storage(options),
  host: '127.0.0.1',
  port: 0,
  maxSessions: 10_000,
  maxSessionsPerIp: 10_000,
});
const address = await server.listen();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
const stop = () => {
  server.close({ timeoutMs: 1000 }).finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.stdin.resume();
process.stdin.once('end', stop);
