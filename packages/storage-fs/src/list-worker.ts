import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Stats } from 'node:fs';

/**
 * The lstat calls of listings, made in worker threads. A LIST of 10,000 entries makes 10,000 of them: on the event
 * loop they are most of the listing, and in the thread pool a round trip per entry costs ten times more. The
 * session reads the names
 * (one getdents per 256 entries) and hands them out in batches to the workers, which stat them while the event loop
 * turns the batches already done into lines and sends them: the system calls of a listing run beside its formatting,
 * on other cores, and no session waits on them. The workers are shared by every listing of the process, hold no
 * state between requests, and do not keep the process alive while idle.
 *
 * A worker only reports each name's lstat facts (`entryFacts`); which entries a client sees is decided by the session
 * with the connector's one visibility rule (entry-visibility.ts), for worker batches and in-thread batches alike.
 */

/** Names per batch: enough to amortise a message, few enough to keep memory and latency low. */
export const workerBatchEntries = 512;
/** Numbers per name in a batch's facts: lstat mode (0 for a name that vanished), size, mtime in ms, device, inode. */
export const fieldsPerEntry = 5;
/**
 * One worker per core, at least two and at most four, with more batches queued than workers (see `batchesInFlight`): a
 * listing's threads share the cores with the event loop and, on a small machine, with the client, so a worker is often
 * preempted in the middle of a batch, and whichever thread gets a core then still finds calls to make. More workers
 * than cores were no faster warm and slower after the server sat idle (every batch crosses threads twice, and threads
 * woken after idle start slowly), and each worker costs about 8 MiB of resident memory.
 */
const workerCount = Math.min(4, Math.max(2, availableParallelism()));
/**
 * A worker's young generation, in MiB: its garbage is one batch's Stats objects and strings, and V8's default
 * (semi-spaces of up to 16 MiB) kept megabytes more resident per worker for nothing.
 */
const workerYoungGenerationMb = 2;

interface StatRequest {
  readonly id: number;
  /** The directory as the session names it: through its descriptor (`/proc/<pid>/fd/N`), which workers share. */
  readonly directory: string;
  /**
   * The names joined by NUL, which no file name contains: one string is copied between threads in one piece, cheaper
   * than an array of strings.
   */
  readonly names: string;
}

type StatReply =
  | { readonly id: number; readonly numbers: Float64Array }
  | { readonly id: number; readonly error: { readonly code: string | undefined; readonly message: string } };

/**
 * The worker's code. Turned into source text with `toString()` and run with `eval`, so it needs no file of its own
 * next to the compiled module (and runs the same from the TypeScript sources in tests). It may only use what it is
 * given: `require`, the message port and the number of fields.
 */
function workerMain(
  requireModule: (name: string) => unknown,
  port: {
    on(event: 'message', listener: (request: StatRequest) => void): void;
    postMessage(reply: StatReply, transfer?: ArrayBuffer[]): void;
  },
  entryFields: number,
): void {
  const fs = requireModule('node:fs') as typeof import('node:fs');
  port.on('message', (request) => {
    try {
      const names = request.names.split('\0');
      const numbers = new Float64Array(names.length * entryFields);
      for (let index = 0; index < names.length; index++) {
        // The same facts as `writeEntryFacts` (list-worker.ts), which this code cannot import.
        const stats = fs.lstatSync(`${request.directory}/${names[index]!}`, { throwIfNoEntry: false });
        if (stats === undefined) continue;
        const at = index * entryFields;
        numbers[at] = stats.mode;
        numbers[at + 1] = stats.size;
        numbers[at + 2] = stats.mtimeMs;
        numbers[at + 3] = stats.dev;
        numbers[at + 4] = stats.ino;
      }
      port.postMessage({ id: request.id, numbers }, [numbers.buffer as ArrayBuffer]);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      port.postMessage({
        id: request.id,
        error: { code: typeof code === 'string' ? code : undefined, message: String((error as { message?: unknown }).message ?? error) },
      });
    }
  });
}

const workerSource = `(${workerMain.toString()})(require, require('node:worker_threads').parentPort, ${fieldsPerEntry});`;

type Waiter = { resolve(reply: StatReply): void; reject(error: Error): void };

/** One worker and the requests waiting for its replies. */
class StatWorker {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #failure: Error | undefined;

  constructor() {
    this.#worker = new Worker(workerSource, {
      eval: true,
      name: 'ftp-storage-fs-stat',
      resourceLimits: { maxYoungGenerationSizeMb: workerYoungGenerationMb },
    });
    this.#worker.on('message', (reply: StatReply) => {
      const waiter = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) this.#worker.unref();
      waiter?.resolve(reply);
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      for (const waiter of this.#waiting.values()) waiter.reject(error);
      this.#waiting.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`a listing worker exited with code ${code}`)));
    // Idle, the worker must not keep the process alive; while a request waits it must (see `ask`). After the
    // listeners: adding a 'message' listener refs the worker's port again.
    this.#worker.unref();
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  ask(request: StatRequest): Promise<StatReply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<StatReply>((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(request.id, { resolve, reject });
      this.#worker.postMessage(request);
    });
  }
}

const workers: Array<StatWorker | undefined> = [];
let nextRequestId = 1;
let nextWorker = 0;

/** The next worker in turn; undefined when none can be started here (the caller stats in-thread). */
function takeWorker(): StatWorker | undefined {
  const index = nextWorker;
  nextWorker = (nextWorker + 1) % workerCount;
  let worker = workers[index];
  if (worker === undefined || worker.failed) {
    try {
      worker = new StatWorker();
    } catch {
      return undefined;
    }
    workers[index] = worker;
  }
  return worker;
}

/** The lstat facts of one listed name, at `index` of a batch's facts; what the worker writes for each name. */
export function writeEntryFacts(numbers: Float64Array, index: number, stats: Stats | undefined): void {
  const at = index * fieldsPerEntry;
  if (stats === undefined) {
    numbers[at] = 0;
    return;
  }
  numbers[at] = stats.mode;
  numbers[at + 1] = stats.size;
  numbers[at + 2] = stats.mtimeMs;
  numbers[at + 3] = stats.dev;
  numbers[at + 4] = stats.ino;
}

/** One batch of a listing: the names, and their lstat facts (`fieldsPerEntry` numbers each). */
export interface ListedBatch {
  readonly names: readonly string[];
  readonly facts: Float64Array;
}

/**
 * lstats `names` in `directory` (named through its descriptor) in a worker. Rejects with the system error (its `code`
 * kept) for an unexpected failure, or with `WorkerUnavailableError` when no worker could take it.
 */
export async function lstatInWorker(directory: string, names: readonly string[]): Promise<ListedBatch> {
  if (names.length === 0) return { names, facts: new Float64Array(0) };
  const worker = takeWorker();
  if (worker === undefined) throw new WorkerUnavailableError('no listing worker could be started');
  let reply: StatReply;
  try {
    reply = await worker.ask({ id: nextRequestId++, directory, names: names.join('\0') });
  } catch (error) {
    throw new WorkerUnavailableError('the listing worker failed', { cause: error });
  }
  if ('error' in reply) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  return { names, facts: reply.numbers };
}

/** How many batches a listing keeps in the workers at once: every worker busy and two queued behind them. */
export const batchesInFlight = workerCount + 2;

/** No worker could stat a batch (none starts, or it died): the caller stats it in-thread instead. */
export class WorkerUnavailableError extends Error {
  override readonly name = 'WorkerUnavailableError';
}
