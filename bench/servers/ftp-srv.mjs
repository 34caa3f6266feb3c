// ftp-srv@4.6.3, the Node.js peer: node ftp-srv.mjs ROOT PORT. Anonymous login, rooted at ROOT.
import FtpSrv from 'ftp-srv';

const [root, port] = process.argv.slice(2);
const silent = { info() {}, debug() {}, trace() {}, warn() {}, error() {}, fatal() {}, child() { return silent; } };
const server = new FtpSrv({
  url: `ftp://127.0.0.1:${port}`,
  pasv_url: '127.0.0.1',
  pasv_min: 40000,
  pasv_max: 59999,
  anonymous: true,
  greeting: 'ftp-srv',
  log: silent,
});
server.on('login', (_data, resolve) => resolve({ root }));
server.on('client-error', () => {});
await server.listen();
process.stdout.write(`${JSON.stringify({ port: Number(port) })}\n`);
process.on('SIGTERM', () => process.exit(0));
