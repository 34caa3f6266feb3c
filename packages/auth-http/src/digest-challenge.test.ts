import { describe, expect, it } from 'vitest';
import { parseChallenges, usableDigestChallenges } from './digest-challenge.ts';

const asObjects = (fields: string[]) =>
  parseChallenges(fields).map((challenge) => ({ scheme: challenge.scheme, parameters: Object.fromEntries(challenge.parameters) }));

describe('parseChallenges', () => {
  it('reads the RFC 7616 §3.9.1 challenge pair from one field', () => {
    const field =
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", ' +
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const challenges = asObjects([field]);
    expect(challenges).toHaveLength(2);
    expect(challenges[0]).toEqual({
      scheme: 'Digest',
      parameters: {
        realm: 'http-auth@example.org',
        qop: 'auth, auth-int',
        algorithm: 'SHA-256',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      },
    });
    expect(challenges[1]!.parameters.algorithm).toBe('MD5');
  });

  it.each([
    ['several fields', ['Basic realm="a"', 'Digest realm="b", nonce="n"'], ['Basic', 'Digest']],
    ['a token68 scheme before Digest', ['Negotiate YIIBzgYGKwYBBQUCoII=, Digest realm="b", nonce="n"'], ['Negotiate', 'Digest']],
    ['a scheme without parameters', ['NTLM, Digest realm="b", nonce="n"'], ['NTLM', 'Digest']],
    ['case and spacing variations', ['dIgEsT  REALM = "b" ,NONCE=n'], ['dIgEsT']],
  ])('separates challenges across %s', (_label, fields, schemes) => {
    expect(parseChallenges(fields).map((challenge) => challenge.scheme)).toEqual(schemes);
    expect(parseChallenges(fields).at(-1)!.parameters.get('nonce')).toBe('n');
  });

  it('unescapes quoted-pairs and keeps commas inside quoted strings', () => {
    const [challenge] = parseChallenges(['Digest realm="a \\"quoted\\" realm, with comma", nonce="x\\\\y"']);
    expect(challenge!.parameters.get('realm')).toBe('a "quoted" realm, with comma');
    expect(challenge!.parameters.get('nonce')).toBe('x\\y');
  });

  it('keeps what it parsed before malformed input', () => {
    expect(asObjects(['Digest realm="a", nonce="unterminated'])).toEqual([{ scheme: 'Digest', parameters: { realm: 'a' } }]);
    expect(parseChallenges(['', ' , ', '=broken'])).toEqual([]);
  });
});

describe('usableDigestChallenges', () => {
  const digest = (parameters: string) => parseChallenges([`Digest realm="r", nonce="n", ${parameters}`]);

  it.each([
    ['qop="auth", algorithm=SHA-256', 'SHA-256', 'auth'],
    ['qop="auth-int, auth", algorithm=sha-256-SESS', 'SHA-256-sess', 'auth'],
    ['qop="auth", algorithm=MD5-sess', 'MD5-sess', 'auth'],
    ['qop="auth"', 'MD5', 'auth'],
    ['opaque="o"', 'MD5', undefined],
  ])('accepts %s', (parameters, algorithm, qop) => {
    const [challenge] = usableDigestChallenges(digest(parameters));
    expect(challenge).toMatchObject({ realm: 'r', nonce: 'n', algorithm, qop });
  });

  it.each([
    ['only auth-int', 'qop="auth-int", algorithm=SHA-256'],
    ['an unknown algorithm', 'qop="auth", algorithm=SHA-512-256'],
    ['-sess without qop', 'algorithm=MD5-sess'],
  ])('skips a challenge with %s', (_label, parameters) => {
    expect(usableDigestChallenges(digest(parameters))).toEqual([]);
  });

  it('keeps the server order, skips other schemes and reads stale and userhash', () => {
    const challenges = parseChallenges([
      'Basic realm="x"',
      'Digest realm="r", nonce="n1", qop=auth, algorithm=SHA-256, stale=TRUE, userhash=true',
      'Digest realm="r", nonce="n2", qop=auth, algorithm=MD5',
      'Digest realm="r", qop=auth',
    ]);
    const usable = usableDigestChallenges(challenges);
    expect(usable.map((challenge) => [challenge.nonce, challenge.algorithm, challenge.stale, challenge.userhash])).toEqual([
      ['n1', 'SHA-256', true, true],
      ['n2', 'MD5', false, false],
    ]);
  });
});
