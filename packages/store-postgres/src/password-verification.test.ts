import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from '@ftp/plugin-api';
import { hashPassword } from '@ftp/plugin-api/password';
import { hashPassword as hashWithServer, verifyPassword as verifyWithServer } from '@ftp/server';
import { argon2id, bcrypt } from 'hash-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { createHashThreads } from './hash-threads.ts';
import { parseStoredPasswordHash, verifyStoredPassword } from './password-verification.ts';

const threads = createHashThreads(2);
afterAll(() => threads.close());

const verify = (password: string, hash: string) => verifyStoredPassword(password, parseStoredPasswordHash(hash), threads);

describe('scrypt hashes in the server format', () => {
  it('verifies a hash made by @ftp/server, and the server verifies ours', async () => {
    const fromServer = await hashWithServer('correct horse', { logCost: 10 });
    expect(await verify('correct horse', fromServer)).toBe(true);
    expect(await verify('correct horsf', fromServer)).toBe(false);
    const ours = await hashPassword('pässwörd ✓', { logCost: 10 });
    expect(await verifyWithServer('pässwörd ✓', ours)).toBe(true);
    expect(await verify('pässwörd ✓', ours)).toBe(true);
  });

  it('compares the NFC form of the password, as the server does', async () => {
    const hash = await hashPassword('caf\u00e9', { logCost: 10 });
    expect(await verify('cafe\u0301', hash)).toBe(true);
  });

  it('never matches a password with NUL, though scrypt derives the same key for it', async () => {
    const hash = await hashPassword('secret', { logCost: 10 });
    expect(await verify('secret\0', hash)).toBe(false);
    await expect(hashPassword('se\0cret')).rejects.toThrow(InvalidOptionError);
  });
});

// Vectors from other implementations: libxcrypt's crypt(3) for bcrypt, the reference argon2 command for argon2id.
describe('bcrypt hashes', () => {
  it('verifies $2a$, $2b$ and $2y$ hashes made by crypt(3)', async () => {
    expect(await verify('U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(true);
    expect(await verify('correct horse', '$2b$06$abcdefghijklmnopqrstuud/5IuQmqhVO0kfNEbHJM.fJkPiliBzC')).toBe(true);
    expect(await verify('correct horse', '$2y$06$abcdefghijklmnopqrstuud/5IuQmqhVO0kfNEbHJM.fJkPiliBzC')).toBe(true);
    expect(await verify('pässwörd', '$2b$04$abcdefghijklmnopqrstuuyx2n0Zzopyr9QuYTMCfOJJOj526QVoC')).toBe(true);
  });

  it('refuses near misses: another password, changed case, an extension, NUL, empty', async () => {
    const hash = '$2b$06$abcdefghijklmnopqrstuud/5IuQmqhVO0kfNEbHJM.fJkPiliBzC';
    for (const password of ['correct horsf', 'Correct horse', 'correct horse ', 'correct hors', 'correct horse\0', '']) {
      expect(await verify(password, hash), JSON.stringify(password)).toBe(false);
    }
  });

  it('refuses passwords longer than 72 bytes, which bcrypt would cut short and so match by any extension', async () => {
    const long = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored';
    const hash = '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui';
    expect(await verify(long, hash)).toBe(false);
    expect(await verify(long.slice(0, 72), hash)).toBe(true);
  });

  it('verifies a hash the library makes, and no other password against it', async () => {
    const encoded = await bcrypt({ password: 'tr0ub4dor&3', salt: randomBytes(16), costFactor: 4, outputType: 'encoded' });
    expect(await verify('tr0ub4dor&3', encoded)).toBe(true);
    expect(await verify('tr0ub4dor&4', encoded)).toBe(false);
  });

  it('refuses $2x$, malformed hashes and costs past 16 as unusable', () => {
    const rest = 'abcdefghijklmnopqrstuud/5IuQmqhVO0kfNEbHJM.fJkPiliBzC';
    expect(() => parseStoredPasswordHash(`$2x$06$${rest}`)).toThrow(InvalidOptionError);
    expect(() => parseStoredPasswordHash(`$2b$17$${rest}`)).toThrow(/cost/);
    expect(() => parseStoredPasswordHash(`$2b$03$${rest}`)).toThrow(/cost/);
    expect(() => parseStoredPasswordHash(`$2b$06$${rest.slice(1)}`)).toThrow(InvalidOptionError);
  });
});

describe('argon2id hashes', () => {
  it('verifies hashes made by the reference implementation', async () => {
    expect(await verify('password', '$argon2id$v=19$m=1024,t=2,p=2$c29tZXNhbHQ$kEfNQbPvk6Q7hokW6Jrvn1Mjb9kdT/I7OXVDKsviazk')).toBe(true);
    expect(
      await verify('correct horse ✓', '$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0MTZieQ$tW/kdtS7Ni6DQPVCjKU20k49zB61L2WgEelQ869Sgvw'),
    ).toBe(true);
    expect(await verify('Password', '$argon2id$v=19$m=1024,t=2,p=2$c29tZXNhbHQ$kEfNQbPvk6Q7hokW6Jrvn1Mjb9kdT/I7OXVDKsviazk')).toBe(false);
  });

  it('verifies a hash the library makes, and refuses near misses', async () => {
    const encoded = await argon2id({
      password: 'wonder land',
      salt: randomBytes(16),
      memorySize: 1024,
      iterations: 1,
      parallelism: 1,
      hashLength: 32,
      outputType: 'encoded',
    });
    expect(await verify('wonder land', encoded)).toBe(true);
    for (const password of ['wonder lane', 'wonder land ', 'Wonder land', 'wonder land\0', '']) {
      expect(await verify(password, encoded), JSON.stringify(password)).toBe(false);
    }
  });

  it('refuses other versions, other argon2 variants and costs past the limits as unusable', () => {
    const tail = 'c29tZXNhbHQ$kEfNQbPvk6Q7hokW6Jrvn1Mjb9kdT/I7OXVDKsviazk';
    expect(() => parseStoredPasswordHash(`$argon2id$v=16$m=1024,t=2,p=2$${tail}`)).toThrow(/version/);
    expect(() => parseStoredPasswordHash(`$argon2i$v=19$m=1024,t=2,p=2$${tail}`)).toThrow(InvalidOptionError);
    expect(() => parseStoredPasswordHash(`$argon2id$v=19$m=1048576,t=2,p=2$${tail}`)).toThrow(/memorySize/);
    expect(() => parseStoredPasswordHash(`$argon2id$v=19$m=1024,t=11,p=2$${tail}`)).toThrow(/iterations/);
    expect(() => parseStoredPasswordHash(`$argon2id$v=19$m=1024,t=2,p=2,keyid=a$${tail}`)).toThrow(InvalidOptionError);
  });
});

describe('other formats', () => {
  it('are refused with the formats that are supported', () => {
    for (const hash of ['', 'plain text', '$1$saltsalt$hash', '{SSHA}abc', '$6$rounds=5000$salt$hash']) {
      expect(() => parseStoredPasswordHash(hash), hash).toThrow(/\$scrypt\$.*bcrypt.*\$argon2id\$/);
    }
  });
});

describe('hash threads', () => {
  it('answer many concurrent verifications, each by its own password', async () => {
    const encoded = await bcrypt({ password: 'right', salt: randomBytes(16), costFactor: 4, outputType: 'encoded' });
    const passwords = Array.from({ length: 9 }, (_, index) => (index % 3 === 0 ? 'right' : `wrong-${index}`));
    const results = await Promise.all(passwords.map((password) => verify(password, encoded)));
    expect(results).toEqual(passwords.map((password) => password === 'right'));
  });
});
