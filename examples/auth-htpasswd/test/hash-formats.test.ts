import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apr1Hash, formatOf, parseHtpasswd, verifyPassword } from '../src/index.ts';

// users.htpasswd was written by Debian's htpasswd (apache2-utils); passwords.json holds the passwords behind it.
const fixture = (name: string) => readFile(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const passwords = JSON.parse(await fixture('passwords.json')) as Record<string, { format: string; password: string }>;
const { users, problems } = parseHtpasswd(await fixture('users.htpasswd'));
const supported = Object.entries(passwords).filter(([name, entry]) => !name.startsWith('$') && entry.format !== 'crypt');

describe('htpasswd hash formats against hashes made by Apache htpasswd', () => {
  it.each(supported)('verifies the %s entry (%o) and refuses a wrong password', async (username, { format, password }) => {
    const entry = users.get(username);
    expect(entry).toBeDefined();
    expect(formatOf(entry!.hash)).toBe(format);
    expect(await verifyPassword(password, entry!.hash)).toBe(true);
    expect(await verifyPassword(`${password}x`, entry!.hash)).toBe(false);
  });

  it('reproduces every apr1 hash byte for byte from its salt', () => {
    for (const [username, { format, password }] of supported) {
      if (format !== 'apr1') continue;
      const hash = users.get(username)!.hash;
      const salt = hash.split('$')[2]!;
      expect(apr1Hash(password, salt)).toBe(hash);
    }
  });

  // Produced by a second implementation, OpenSSL 3.0 (`openssl passwd -apr1 -salt SALT PASSWORD`), with chosen salts:
  // a one-byte password, one crossing the 16-byte block, an empty one, a non-ASCII one and a two-character salt.
  it.each([
    ['a', 'salt1234', '$apr1$salt1234$ZuKinz/596mYPQAbttKPD1'],
    ['seventeen bytes!!', 'salt1234', '$apr1$salt1234$kikmYiKkP/1EO3ZpjG0n/1'],
    ['', 'salt1234', '$apr1$salt1234$5H34QiH40LY95k4Ru.Rsw0'],
    ['ünïcødé', 'salt1234', '$apr1$salt1234$BPDcF4jqEhyEfcfoM/prm/'],
    ['x', 'ab', '$apr1$ab$eIePjsejfBGR8ITtu2z0U1'],
  ])('hashes %j with salt %s as OpenSSL does', (password, salt, expected) => {
    expect(apr1Hash(password, salt)).toBe(expected);
    expect(apr1Hash(password, `${salt}$rest-ignored`)).toBe(expected);
  });

  it('refuses the DES crypt entry as a problem with its line number, and never accepts an unknown format', async () => {
    expect(users.has('henry')).toBe(false);
    expect(problems).toEqual([{ line: 8, reason: expect.stringContaining('unsupported hash format for "henry"') }]);
    expect(await verifyPassword('crypt', 'hhB9l7cn7OTms')).toBe(false);
    expect(await verifyPassword('plain', 'plain')).toBe(false);
  });
});

describe('parsing htpasswd files', () => {
  it('skips comments and blank lines, accepts CRLF, and keeps the first of repeated names', () => {
    const sha = '{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=';
    const parsed = parseHtpasswd(`# users\r\n\r\nann:${sha}\r\nann:${sha}\nno-colon\n:${sha}\n`);
    expect([...parsed.users.keys()]).toEqual(['ann']);
    expect(parsed.problems.map((problem) => problem.line)).toEqual([4, 5, 6]);
  });

  it('splits at the first colon only, as Apache does', () => {
    expect(parseHtpasswd('a:{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=').users.get('a')?.hash).toBe('{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=');
    expect(parseHtpasswd('a:b:{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=').problems).toHaveLength(1);
  });
});
