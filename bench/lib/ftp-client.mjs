// A lean FTP client on raw sockets, the same for every server: one control connection, PASV data connections,
// downloads read into one reused buffer (no allocation per chunk), uploads write one shared buffer repeatedly.
import { connect } from 'node:net';

const host = '127.0.0.1';
/** Reused by every download: received bytes are counted, never kept. */
const sinkBuffer = Buffer.allocUnsafe(1024 * 1024);

function connectSocket(port, options = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...options });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** One FTP control connection; `command` sends a line and resolves with the final reply. */
export class FtpControl {
  #socket;
  #pending = '';
  #replies = [];
  #waiters = [];
  #lines = [];
  #failure;

  constructor(socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (text) => this.#receive(text));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('control connection closed')));
  }

  /** Connects and reads the 220 greeting. */
  static async open(port) {
    const control = new FtpControl(await connectSocket(port));
    const greeting = await control.reply();
    if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
    return control;
  }

  #receive(text) {
    this.#pending += text;
    let end;
    while ((end = this.#pending.indexOf('\n')) !== -1) {
      const line = this.#pending.slice(0, end).replace(/\r$/, '');
      this.#pending = this.#pending.slice(end + 1);
      this.#lines.push(line);
      // The last line of a reply is "NNN text"; "NNN-" opens a multi-line reply (RFC 959 §4.2).
      if (/^\d{3}( |$)/.test(line) && (this.#lines.length === 1 || line.startsWith(this.#lines[0].slice(0, 3)))) {
        const reply = { code: Number(line.slice(0, 3)), text: this.#lines.join('\n') };
        this.#lines = [];
        const waiter = this.#waiters.shift();
        if (waiter === undefined) this.#replies.push(reply);
        else waiter.resolve(reply);
      }
    }
  }

  #fail(error) {
    this.#failure ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** The next reply. */
  reply() {
    const queued = this.#replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Sends one command and resolves with its reply. */
  command(line) {
    this.#socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Sends a command and fails unless the reply code is one of `expected`. */
  async expect(line, ...expected) {
    const reply = await this.command(line);
    if (!expected.includes(reply.code)) throw new Error(`${line.split(' ')[0]}: ${reply.text}`);
    return reply;
  }

  async login(user, password) {
    const reply = await this.command(`USER ${user}`);
    if (reply.code === 331) await this.expect(`PASS ${password}`, 230);
    else if (reply.code !== 230) throw new Error(`USER: ${reply.text}`);
  }

  /** Opens a passive data connection (PASV works on every peer; the announced address is loopback anyway). */
  async passive(socketOptions) {
    const reply = await this.expect('PASV', 227);
    const numbers = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(reply.text);
    if (numbers === null) throw new Error(`PASV: ${reply.text}`);
    return connectSocket(Number(numbers[5]) * 256 + Number(numbers[6]), socketOptions);
  }

  /**
   * Sends a download command (RETR, LIST, MLSD) and reads the data into the shared sink. Resolves once both the
   * data EOF and the 226 arrived, with the byte count and, when `countLines`, the number of line feeds.
   */
  async download(line, countLines = false) {
    let bytes = 0;
    let lines = 0;
    const socket = await this.passive({
      onread: {
        buffer: sinkBuffer,
        callback: (size, buffer) => {
          bytes += size;
          if (countLines) for (let index = 0; index < size; index++) if (buffer[index] === 10) lines++;
          return true;
        },
      },
    });
    const ended = new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('close', resolve);
    });
    socket.on('end', () => socket.end());
    const opening = await this.command(line);
    if (opening.code !== 150 && opening.code !== 125) {
      socket.destroy();
      throw new Error(`${line.split(' ')[0]}: ${opening.text}`);
    }
    const [done] = await Promise.all([this.reply(), ended]);
    if (done.code !== 226 && done.code !== 250) throw new Error(`${line.split(' ')[0]}: ${done.text}`);
    return { bytes, lines };
  }

  /** Uploads `total` bytes of `chunk` repeated with STOR; resolves on the 226 that says the file is stored. */
  async upload(name, total, chunk) {
    const socket = await this.passive();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    const opening = await this.command(`STOR ${name}`);
    if (opening.code !== 150 && opening.code !== 125) {
      socket.destroy();
      throw new Error(`STOR: ${opening.text}`);
    }
    let sent = 0;
    while (sent < total) {
      const piece = total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
      sent += piece.byteLength;
      if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    socket.end();
    const done = await this.reply();
    if (done.code !== 226 && done.code !== 250) throw new Error(`STOR: ${done.text}`);
    await closed;
    return sent;
  }

  /** QUIT, then waits for the server to close. */
  async quit() {
    const closed = new Promise((resolve) => this.#socket.once('close', resolve));
    this.#socket.write('QUIT\r\n');
    await closed;
  }

  /** Closes without QUIT. */
  destroy() {
    this.#socket.destroy();
  }
}

/** Connects, logs in, switches to binary and to the server's data directory. */
export async function openSession(server) {
  const control = await FtpControl.open(server.port);
  await control.login(server.user, server.password);
  await control.expect('TYPE I', 200);
  if (server.directory !== '/') await control.expect(`CWD ${server.directory}`, 250);
  return control;
}
