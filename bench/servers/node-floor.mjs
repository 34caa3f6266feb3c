// A reference, not a server: the least a Node.js process must do to answer the exchanges of the 4 KiB files, churn
// and idle metrics (USER, PASS, TYPE, CWD, PWD, NOOP, PASV, STOR, RETR, QUIT), with no checks at all: no parser, no
// permissions, no path jail, no limits, no events, no logging, no error handling beyond closing. It makes the same
// system calls our server makes for those commands (a new listener per PASV on a random ephemeral port, an upload
// written to a temporary name and renamed, a download read with one pread), so `--servers ours,node-floor,...` shows
// how far ours is from what Node.js itself costs, and how far Node.js itself is from the C servers. Run only when
// named in --servers; never exposed beyond 127.0.0.1. node node-floor.mjs ROOT; prints {"port":N}; exits on SIGTERM.
import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const [root] = process.argv.slice(2);
const [lowPort, highPort] = [32768, 60999];
let uploads = 0;

function passiveListener(onSocket) {
  const listener = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
    listener.close();
    onSocket(socket);
  });
  return new Promise((resolve) => {
    let attempts = 0;
    const attempt = () => {
      const port = attempts++ < 8 ? lowPort + Math.floor(Math.random() * (highPort - lowPort + 1)) : 0;
      listener.once('error', attempt);
      listener.listen({ host: '127.0.0.1', port, exclusive: true, backlog: 4 }, () => {
        listener.off('error', attempt);
        resolve({ listener, port: listener.address().port });
      });
    };
    attempt();
  });
}

function session(control) {
  let directory = '/';
  let pending = '';
  let passive;
  const reply = (text) => control.write(`${text}\r\n`);
  const dataSocket = () =>
    new Promise((resolve) => {
      if (passive.socket !== undefined) resolve(passive.socket);
      else passive.waiter = resolve;
    });
  const commands = {
    USER: () => reply('331 Password required.'),
    PASS: () => reply('230 Login successful.'),
    TYPE: () => reply('200 Type set.'),
    NOOP: () => reply('200 OK.'),
    PWD: () => reply(`257 "${directory}" is the current directory.`),
    CWD: (argument) => {
      directory = argument.startsWith('/') ? argument : join(directory, argument);
      reply('250 Directory changed.');
    },
    PASV: async () => {
      const opened = { socket: undefined, waiter: undefined };
      passive = opened;
      const { port } = await passiveListener((socket) => {
        opened.socket = socket;
        opened.waiter?.(socket);
      });
      reply(`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255}).`);
    },
    STOR: async (argument) => {
      const socket = await dataSocket();
      const path = join(root, directory, argument);
      const temporary = join(root, directory, `.floor-${process.pid}-${uploads++}`);
      const fd = openSync(temporary, 'wx');
      reply('150 Ok to send data.');
      let position = 0;
      socket.on('data', (chunk) => (position += writeSync(fd, chunk, 0, chunk.length, position)));
      socket.once('end', () => {
        closeSync(fd);
        renameSync(temporary, path);
        socket.end();
        reply('226 Transfer complete.');
      });
      socket.resume();
    },
    RETR: async (argument) => {
      const socket = await dataSocket();
      const fd = openSync(join(root, directory, argument), 'r');
      const buffer = Buffer.allocUnsafe(fstatSync(fd).size);
      readSync(fd, buffer, 0, buffer.length, 0);
      closeSync(fd);
      reply('150 Opening data connection.');
      socket.end(buffer, () => reply('226 Transfer complete.'));
    },
    QUIT: () => control.end('221 Goodbye.\r\n'),
  };
  control.setNoDelay(true);
  control.setEncoding('latin1');
  control.on('error', () => control.destroy());
  control.on('data', (text) => {
    pending += text;
    let end;
    while ((end = pending.indexOf('\r\n')) !== -1) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const space = line.indexOf(' ');
      const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
      const handler = commands[verb];
      if (handler === undefined) reply('502 Not implemented.');
      else handler(space === -1 ? '' : line.slice(space + 1));
    }
  });
  reply('220 Ready.');
}

const server = createServer({ noDelay: true }, session);
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
