import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHashThreads } from './hash-threads.ts';

describe('hash threads', () => {
  it('fail the jobs that are waiting when closed, and start again on the next job', async () => {
    const threads = createHashThreads(1);
    const job = { algorithm: 'bcrypt' as const, password: new Uint8Array([1, 2, 3]), salt: randomBytes(16), cost: 4 };
    const first = threads.digest(job);
    const waiting = threads.digest(job).then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await threads.close();
    expect(await waiting).toBe('the hash threads are closed');
    await first.catch(() => undefined);
    expect((await threads.digest(job)).length).toBe(24);
    await threads.close();
  });
});
