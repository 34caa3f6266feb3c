// Per-step latency of a short session (connect, USER, PASS, PWD, NOOP, QUIT), for finding where time goes:
// node bench/probe-steps.mjs PORT [USER PASSWORD]. Prints the median of each step over 300 sessions, in microseconds.
import { FtpControl } from './lib/ftp-client.mjs';

const [port, user = 'anonymous', password = 'bench@'] = process.argv.slice(2);
if (!/^\d+$/.test(port ?? '')) {
  process.stderr.write('usage: node bench/probe-steps.mjs PORT [USER PASSWORD]\n');
  process.exit(2);
}
const rounds = 300;
const steps = {};
const now = () => performance.now() * 1000;
const record = (name, start) => (steps[name] ??= []).push(now() - start);

for (let index = 0; index < rounds; index++) {
  let start = now();
  const control = await FtpControl.open(Number(port));
  record('connect+220', start);
  start = now();
  const userReply = await control.command(`USER ${user}`);
  record('USER', start);
  if (userReply.code === 331) {
    start = now();
    await control.expect(`PASS ${password}`, 230);
    record('PASS', start);
  }
  start = now();
  await control.expect('PWD', 257);
  record('PWD', start);
  start = now();
  await control.expect('NOOP', 200);
  record('NOOP', start);
  start = now();
  await control.quit();
  record('QUIT+close', start);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [name, values] of Object.entries(steps))
  process.stdout.write(`${name.padEnd(12)} ${median(values).toFixed(0).padStart(6)} us\n`);
