// Preload for the garbage-collected servers (node --expose-gc --import gc-on-signal.mjs SERVER): a full garbage
// collection on SIGUSR2, so the idle-memory metric can read the server's memory without garbage not yet collected.
// Two collections a turn apart: the first frees objects whose finalizers (e.g. of Buffers) release memory the second
// one then sees as free. SIGUSR2 is otherwise unused by Node.js (SIGUSR1 would start the inspector). When
// FTP_BENCH_GC_REPORT names a file, each collection then writes process.memoryUsage() there with a running count,
// so the metric knows the collection is done and can read what the heap retains.
import { renameSync, writeFileSync } from 'node:fs';

const collect = globalThis.gc;
const reportPath = process.env.FTP_BENCH_GC_REPORT;
let collections = 0;
if (typeof collect === 'function') {
  process.on('SIGUSR2', () => {
    collect();
    setImmediate(() => {
      collect();
      collections++;
      if (reportPath === undefined || reportPath === '') return;
      writeFileSync(`${reportPath}.tmp`, JSON.stringify({ collections, ...process.memoryUsage() }));
      renameSync(`${reportPath}.tmp`, reportPath);
    });
  });
}
