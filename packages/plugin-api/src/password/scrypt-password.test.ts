import { InvalidOptionError } from '../errors/plugin-errors.ts';
import { describe, expect, it } from 'vitest';
import { createDummyPasswordHash, hashPassword, parsePasswordHash, verifyPassword } from './scrypt-password.ts';

// A low cost keeps the tests fast; the default (ln=15) is exercised once below.
const fast = { logCost: 4 };

describe('hashPassword / verifyPassword', () => {
  it('produces a self-describing scrypt string with the default cost', async () => {
    const hash = await hashPassword('secret');
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    await expect(verifyPassword('secret', hash)).resolves.toBe(true);
  });

  it('accepts the right password and rejects others', async () => {
    const hash = await hashPassword('correct horse', fast);
    await expect(verifyPassword('correct horse', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horsf', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('salts every hash differently', async () => {
    const first = await hashPassword('same', fast);
    const second = await hashPassword('same', fast);
    expect(first).not.toBe(second);
  });

  it('handles non-ASCII passwords', async () => {
    const hash = await hashPassword('pässwörd-🔑', fast);
    await expect(verifyPassword('pässwörd-🔑', hash)).resolves.toBe(true);
    await expect(verifyPassword('passwort-🔑', hash)).resolves.toBe(false);
  });

  it('compares byte for byte: trailing NUL bytes do not match (scrypt alone would accept them)', async () => {
    const hash = await hashPassword('correct horse', fast);
    await expect(verifyPassword('correct horse\0', hash)).resolves.toBe(false);
    await expect(verifyPassword('correct horse\0\0\0', hash)).resolves.toBe(false);
    await expect(verifyPassword('correct horse', hash)).resolves.toBe(true);
  });

  it('refuses to hash a password that contains NUL', async () => {
    await expect(hashPassword('correct\0horse', fast)).rejects.toThrow(InvalidOptionError);
  });

  it('rejects out-of-range cost parameters', async () => {
    await expect(hashPassword('x', { logCost: 40 })).rejects.toThrow(InvalidOptionError);
    await expect(hashPassword('x', { blockSize: 0 })).rejects.toThrow(/blockSize/);
  });

  it.each([
    ['plain text', 'secret'],
    ['another scheme', '$2b$10$abcdefghijklmnopqrstuv'],
    ['huge cost', '$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g'],
    ['short salt', '$scrypt$ln=4,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g'],
  ])('throws InvalidOptionError for a malformed hash (%s)', async (_label, hash) => {
    await expect(verifyPassword('secret', hash)).rejects.toThrow(InvalidOptionError);
  });
});

describe('createDummyPasswordHash', () => {
  it('copies the cost of the hash it imitates and matches no password', async () => {
    const real = parsePasswordHash(await hashPassword('x', { logCost: 5, blockSize: 4 }));
    const dummy = createDummyPasswordHash(real);
    expect(dummy.startsWith('$scrypt$ln=5,r=4,p=1$')).toBe(true);
    await expect(verifyPassword('x', dummy)).resolves.toBe(false);
  });
});
