// Per-step latency of small-file transfers in one session (PASV, data connect, STOR to 150, data sent to 226, data
// close; the same for RETR), for finding where time goes: node bench/probe-transfer.mjs PORT DIRECTORY [USER PASSWORD].
// DIRECTORY must be writable in the server's root. Prints the median of each step over 300 files, in microseconds.
import { connect } from 'node:net';
import { FtpControl } from './lib/ftp-client.mjs';

const [port, directory, user = 'anonymous', password = 'bench@'] = process.argv.slice(2);
if (!/^\d+$/.test(port ?? '') || directory === undefined) {
  process.stderr.write('usage: node bench/probe-transfer.mjs PORT DIRECTORY [USER PASSWORD]\n');
  process.exit(2);
}
const rounds = 300;
const payload = Buffer.alloc(4096, 7);
const steps = {};
const now = () => performance.now() * 1000;
const record = (name, start) => (steps[name] ??= []).push(now() - start);
const connectData = (reply) => {
  const numbers = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(reply.text);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(numbers[5]) * 256 + Number(numbers[6]) });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => resolve(socket));
  });
};

const control = await FtpControl.open(Number(port));
await control.login(user, password);
await control.expect('TYPE I', 200);
await control.expect(`CWD ${directory}`, 250);
for (const direction of ['STOR', 'RETR']) {
  for (let index = 0; index < rounds; index++) {
    let start = now();
    const reply = await control.expect('PASV', 227);
    record(`${direction} PASV`, start);
    start = now();
    const socket = await connectData(reply);
    record(`${direction} connect`, start);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    let received = 0;
    socket.on('data', (chunk) => (received += chunk.length));
    socket.on('end', () => socket.end());
    start = now();
    const opening = await control.command(`${direction} p${index}.dat`);
    if (opening.code !== 150 && opening.code !== 125) throw new Error(opening.text);
    record(`${direction} 150`, start);
    start = now();
    if (direction === 'STOR') socket.end(payload);
    let closedAt;
    closed.then(() => (closedAt = now()));
    const done = await control.reply();
    if (done.code !== 226) throw new Error(done.text);
    record(`${direction} 226`, start);
    await closed;
    record(`${direction} close`, start);
    if (closedAt !== undefined && direction === 'RETR' && received !== payload.length) throw new Error(`got ${received}`);
  }
}
await control.quit();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [name, values] of Object.entries(steps))
  process.stdout.write(`${name.padEnd(14)} ${median(values).toFixed(0).padStart(6)} us\n`);
