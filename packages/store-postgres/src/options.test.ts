import { InvalidOptionError } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './create-authenticator.ts';
import { checkAuthenticatorOptions } from './options.ts';

const connectionString = 'postgres://ftp@127.0.0.1:5432/ftp';

function optionOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error.option;
    throw error;
  }
  return undefined;
}

describe('authenticator options', () => {
  it('fills in the defaults', () => {
    expect(checkAuthenticatorOptions({ connectionString })).toEqual({
      connectionString,
      pool: undefined,
      schema: 'ftp',
      maxConnections: 10,
      connectTimeoutMs: 5_000,
      queryTimeoutMs: 5_000,
      revalidateIntervalMs: 60_000,
      migrate: true,
    });
  });

  it('names the option at fault', () => {
    expect(optionOf(() => checkAuthenticatorOptions({}))).toBe('connectionString');
    expect(optionOf(() => checkAuthenticatorOptions({ connectionString: 'mysql://x/y' }))).toBe('connectionString');
    expect(optionOf(() => checkAuthenticatorOptions({ connectionString, schema: 'ftp"; DROP TABLE x; --' }))).toBe('schema');
    expect(optionOf(() => checkAuthenticatorOptions({ connectionString, schema: 'a'.repeat(64) }))).toBe('schema');
    expect(optionOf(() => checkAuthenticatorOptions({ connectionString, maxConnections: 0 }))).toBe('maxConnections');
    expect(optionOf(() => checkAuthenticatorOptions({ connectionString, revalidateIntervalMs: 1.5 }))).toBe('revalidateIntervalMs');
    expect(optionOf(() => checkAuthenticatorOptions({ connectionString, migrate: 'yes' as never }))).toBe('migrate');
    expect(optionOf(() => checkAuthenticatorOptions({ connectionString, conectTimeoutMs: 1 } as never))).toBe('conectTimeoutMs');
  });

  it('never repeats the connection string, which carries the password, in an error', () => {
    const secret = 'postgre://ftp:hunter2@db/ftp';
    expect(() => checkAuthenticatorOptions({ connectionString: secret })).toThrow(InvalidOptionError);
    try {
      checkAuthenticatorOptions({ connectionString: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('takes no pool from a config file', () => {
    expect(optionOf(() => createAuthenticator({ connectionString, pool: {} }, {}))).toBe('pool');
  });
});
