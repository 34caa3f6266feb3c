import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** One digest to compute off the main thread. */
export type DigestJob =
  | { readonly algorithm: 'bcrypt'; readonly password: Uint8Array; readonly salt: Uint8Array; readonly cost: number }
  | {
      readonly algorithm: 'argon2id';
      readonly password: Uint8Array;
      readonly salt: Uint8Array;
      readonly memorySize: number;
      readonly iterations: number;
      readonly parallelism: number;
      readonly hashLength: number;
    };

/** Worker threads that compute bcrypt and argon2id digests, started on first use. */
export interface HashThreads {
  digest(job: DigestJob): Promise<Uint8Array>;
  /** Stops the threads; a later `digest` starts them again. */
  close(): Promise<void>;
}

interface Pending {
  readonly job: DigestJob;
  resolve(digest: Uint8Array): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  /** The one job the thread works on; its next message answers it. */
  busy: Pending | undefined;
}

const workerUrl = new URL('./hash-worker.js', import.meta.url);

/**
 * A small pool of worker threads (at most `size`, default one less than the cores, from 1 to 4). Each thread takes
 * one job at a time; further jobs wait in order. A thread that dies fails its job and is replaced on demand.
 */
export function createHashThreads(size = Math.max(1, Math.min(4, availableParallelism() - 1))): HashThreads {
  const threads = new Set<Thread>();
  const queue: Pending[] = [];

  function start(): Thread {
    const worker = new Worker(workerUrl);
    // An idle thread must not keep a process alive that has nothing else to do; a busy one must, until it answers.
    worker.unref();
    const thread: Thread = { worker, busy: undefined };
    const fail = (error: Error) => {
      threads.delete(thread);
      thread.busy?.reject(error);
      thread.busy = undefined;
      pump();
    };
    worker.on('message', (message: { digest?: Uint8Array; error?: string }) => {
      const job = thread.busy;
      if (job === undefined) return;
      thread.busy = undefined;
      worker.unref();
      if (message.digest === undefined) job.reject(new Error(`${job.job.algorithm} failed: ${message.error ?? 'no digest'}`));
      else job.resolve(message.digest);
      pump();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hash thread exited with code ${code}`)));
    threads.add(thread);
    return thread;
  }

  function pump(): void {
    while (queue.length > 0) {
      let idle: Thread | undefined;
      for (const thread of threads) if (thread.busy === undefined) idle = thread;
      if (idle === undefined && threads.size < size) idle = start();
      if (idle === undefined) return;
      idle.busy = queue.shift()!;
      idle.worker.ref();
      idle.worker.postMessage(idle.busy.job);
    }
  }

  return {
    digest(job) {
      return new Promise<Uint8Array>((resolve, reject) => {
        queue.push({ job, resolve, reject });
        pump();
      });
    },
    async close() {
      for (const pending of queue.splice(0)) pending.reject(new Error('the hash threads are closed'));
      await Promise.all([...threads].map((thread) => thread.worker.terminate()));
    },
  };
}
