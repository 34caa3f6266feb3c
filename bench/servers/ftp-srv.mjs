// ftp-srv@4.6.3, the Node.js peer: node ftp-srv.mjs ROOT PORT. Anonymous login, rooted at ROOT.
import FtpSrv from 'ftp-srv';

const [root, port] = process.argv.slice(2);
const silent = {
  info() {},
  debug() {},
  trace() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return silent;
  },
};
const server = new FtpSrv({
  url: `ftp://127.0.0.1:${port}`,
  pasv_url: '127.0.0.1',
  // Below Linux's ephemeral range (32768-60999): ftp-srv tries five ports in a row and answers PASV with 400 when all
  // are taken, which ports the client's own connections held often enough in the ephemeral range after many transfers.
  pasv_min: 10000,
  pasv_max: 32767,
  anonymous: true,
  greeting: 'ftp-srv',
  log: silent,
});
server.on('login', (_data, resolve) => resolve({ root }));
server.on('client-error', () => {});
await server.listen();
process.stdout.write(`${JSON.stringify({ port: Number(port) })}\n`);
process.on('SIGTERM', () => process.exit(0));
