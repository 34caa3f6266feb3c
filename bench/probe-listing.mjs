// Time of a directory listing in one session, for finding where time goes: node bench/probe-listing.mjs PORT
// DIRECTORY [LIST|MLSD] [TIMES]. DIRECTORY is a path in the server's root with at least 10,000 entries (the bench's
// metric 6 uses list10k). Prints the median and the fastest of TIMES (default 20) listings, in milliseconds.
import { FtpControl } from './lib/ftp-client.mjs';

const [port, directory, verb = 'MLSD', times = '20'] = process.argv.slice(2);
if (!/^\d+$/.test(port ?? '') || directory === undefined || !['LIST', 'MLSD'].includes(verb) || !/^\d+$/.test(times)) {
  process.stderr.write('usage: node bench/probe-listing.mjs PORT DIRECTORY [LIST|MLSD] [TIMES]\n');
  process.exit(2);
}
const count = Number(times);
const control = await FtpControl.open(Number(port));
await control.login('anonymous', 'bench@');
const durations = [];
for (let index = 0; index < count; index++) {
  const start = performance.now();
  const { lines } = await control.download(`${verb} ${directory}`, true);
  durations.push(performance.now() - start);
  if (lines < 10_000) throw new Error(`${verb} returned ${lines} lines`);
}
durations.sort((left, right) => left - right);
process.stdout.write(`${verb} median ${durations[count >> 1].toFixed(1)} ms, fastest ${durations[0].toFixed(1)} ms\n`);
await control.quit();
