// The test S3 server (fauxqs@1.9.2, in memory) for the S3 metric: node fauxqs.mjs. Listens on 127.0.0.1, port 0
// (fauxqs's own startFauxqs() binds 0.0.0.0), prints `{"port":N}` and exits on SIGTERM or when stdin closes. Its own
// process, so the objects it holds never count against the memory of the FTP server or the SDK baseline.
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
const stop = () => {
  void app.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.resume();
process.stdin.on('end', stop);
