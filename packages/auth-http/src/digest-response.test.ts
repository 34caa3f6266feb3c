import { describe, expect, it } from 'vitest';
import type { DigestChallenge } from './digest-challenge.ts';
import { digestAuthorization } from './digest-response.ts';

// RFC 7616 §3.9.1: the worked example with MD5 and SHA-256.
const example = {
  username: 'Mufasa',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nonceCount: 1,
};
const challenge = (overrides: Partial<DigestChallenge>): DigestChallenge => ({
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  algorithm: 'MD5',
  qop: 'auth',
  stale: false,
  userhash: false,
  ...overrides,
});

describe('digestAuthorization', () => {
  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const)('computes the RFC 7616 §3.9.1 response for %s', (algorithm, response) => {
    const header = digestAuthorization({ ...example, challenge: challenge({ algorithm }) });
    expect(header).toBe(
      `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=${algorithm}, ` +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
        'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
        `response="${response}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    );
  });

  it('writes the nonce count as 8 hex digits and changes the response with it', () => {
    const first = digestAuthorization({ ...example, challenge: challenge({}) });
    const later = digestAuthorization({ ...example, nonceCount: 26, challenge: challenge({}) });
    expect(later).toContain('nc=0000001a');
    expect(later.match(/response="(\w+)"/)![1]).not.toBe(first.match(/response="(\w+)"/)![1]);
  });

  it('binds the -sess variants to the cnonce', () => {
    const plain = digestAuthorization({ ...example, challenge: challenge({ algorithm: 'SHA-256-sess' }) });
    const otherCnonce = digestAuthorization({ ...example, cnonce: 'other', challenge: challenge({ algorithm: 'SHA-256-sess' }) });
    const notSess = digestAuthorization({ ...example, challenge: challenge({ algorithm: 'SHA-256' }) });
    expect(plain).toContain('algorithm=SHA-256-sess');
    const responses = [plain, otherCnonce, notSess].map((header) => header.match(/response="(\w+)"/)![1]);
    expect(new Set(responses).size).toBe(3);
  });

  it('answers an RFC 2069 challenge without qop, nc or cnonce', () => {
    const header = digestAuthorization({ ...example, challenge: challenge({ qop: undefined, opaque: undefined }) });
    expect(header).not.toMatch(/nc=|cnonce=|qop=/);
    // H(H(A1):nonce:H(A2)) with MD5, computed independently for this input.
    expect(header).toContain('response="7b2cc3b30e75b4777ea31027084363fd"');
  });

  it('encodes a non-ASCII user name as username* (RFC 7616 §3.4.4) and hashes it with userhash', () => {
    const encoded = digestAuthorization({ ...example, username: 'J\u00e4s\u00f8n Doe', challenge: challenge({}) });
    expect(encoded).toContain("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe,");
    const hashed = digestAuthorization({ ...example, challenge: challenge({ userhash: true }) });
    expect(hashed).toMatch(/^Digest username="[0-9a-f]{32}", /);
    expect(hashed).toContain('userhash=true');
  });

  it('escapes quotes and backslashes in quoted values', () => {
    const header = digestAuthorization({ ...example, username: 'a"b\\c', challenge: challenge({ realm: 'r"1' }) });
    expect(header).toContain('username="a\\"b\\\\c"');
    expect(header).toContain('realm="r\\"1"');
  });
});
