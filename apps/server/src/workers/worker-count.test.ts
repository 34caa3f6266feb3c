import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { isConfigurationError } from '../config-error.ts';
import { workerCount } from './worker-count.ts';

function parse(document: Record<string, unknown>, environment: Record<string, string> = {}) {
  return parseConfig({ authenticator: 'no-auth', storageConfig: { root: '/tmp' }, ...document }, {
    environment,
    cwd: '/tmp',
    configDirectory: '/tmp',
  } as never);
}

describe('workers', () => {
  it('is 1 when left out, a count when given one, and the cores for auto', () => {
    expect(workerCount(parse({}).workers)).toBe(1);
    expect(workerCount(parse({ workers: 3 }).workers)).toBe(3);
    expect(workerCount(parse({ workers: 'auto' }).workers, () => 6)).toBe(6);
    expect(workerCount(parse({}, { FTP_WORKERS: '4' }).workers)).toBe(4);
    expect(workerCount(parse({}, { FTP_WORKERS: 'auto' }).workers, () => 2)).toBe(2);
  });

  it('refuses a count below 1, above 1024, or a word other than auto, naming the key', () => {
    for (const workers of [0, -1, 1.5, 1025, 'many', '0', '1025', true]) {
      let error: unknown;
      try {
        parse({ workers });
      } catch (caught) {
        error = caught;
      }
      expect(isConfigurationError(error), String(workers)).toBe(true);
      expect((error as Error).message).toMatch(/workers.*must be an integer from 1 to 1024, or "auto"/);
    }
  });
});
