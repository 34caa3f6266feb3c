// Runs fauxqs (an in-memory S3-compatible server) on 127.0.0.1, port 0, in its own process, so the objects it keeps
// in memory never count against the memory of the process under test. Prints one line `{"port":N}` when listening
// and exits when its standard input closes (the parent ended).
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void app.close().finally(() => process.exit(0));
});
