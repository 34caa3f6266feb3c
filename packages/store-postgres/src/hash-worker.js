// @ts-check
// A worker thread that computes bcrypt and argon2id digests. hash-wasm runs WebAssembly synchronously, and one
// verification takes tens to hundreds of milliseconds, which on the main thread would stall every session's
// transfers; scrypt needs no worker, node:crypto already runs it on libuv's pool. Plain JavaScript, so that the same
// file starts as a worker from the sources (under vitest) and from dist/.
import { parentPort } from 'node:worker_threads';
import { argon2id, bcrypt } from 'hash-wasm';

// The main thread sends the next job only once this one is answered, so a reply needs no job id.
parentPort?.on('message', (job) => {
  digestOf(job).then(
    (digest) => parentPort?.postMessage({ digest }),
    (error) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});

/**
 * @param {{ algorithm: 'bcrypt', password: Uint8Array, salt: Uint8Array, cost: number }
 *   | { algorithm: 'argon2id', password: Uint8Array, salt: Uint8Array, memorySize: number, iterations: number,
 *       parallelism: number, hashLength: number }} job
 * @returns {Promise<Uint8Array>}
 */
function digestOf(job) {
  if (job.algorithm === 'bcrypt') {
    return bcrypt({ password: job.password, salt: job.salt, costFactor: job.cost, outputType: 'binary' });
  }
  return argon2id({
    password: job.password,
    salt: job.salt,
    memorySize: job.memorySize,
    iterations: job.iterations,
    parallelism: job.parallelism,
    hashLength: job.hashLength,
    outputType: 'binary',
  });
}
