import { createHash } from 'node:crypto';
import type { DigestChallenge } from './digest-challenge.ts';

/** Everything one Digest answer depends on; `cnonce` and `nonceCount` come from the caller so this stays pure. */
export interface DigestAnswerInput {
  readonly challenge: DigestChallenge;
  readonly username: string;
  readonly password: string;
  readonly method: string;
  /** The request target: path and query, exactly as sent on the request line (RFC 7616 §3.4: "uri"). */
  readonly uri: string;
  /** Client nonce (RFC 7616 §3.4); used when the challenge has qop. */
  readonly cnonce: string;
  /** How many requests (this one included) were sent with this nonce (RFC 7616 §3.4: "nc"). */
  readonly nonceCount: number;
}

/** Builds the Authorization field value answering a Digest challenge (RFC 7616 §3.4). */
export function digestAuthorization(input: DigestAnswerInput): string {
  const { challenge } = input;
  const hash = (text: string): string =>
    createHash(challenge.algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
      .update(text, 'utf8')
      .digest('hex');
  const nc = input.nonceCount.toString(16).padStart(8, '0');
  // RFC 7616 §3.4.2: the -sess variants bind A1 to this nonce and cnonce.
  const baseA1 = hash(`${input.username}:${challenge.realm}:${input.password}`);
  const hashA1 = challenge.algorithm.endsWith('-sess') ? hash(`${baseA1}:${challenge.nonce}:${input.cnonce}`) : baseA1;
  // RFC 7616 §3.4.3: for qop=auth, A2 is method and uri only.
  const hashA2 = hash(`${input.method}:${input.uri}`);
  const response =
    challenge.qop === undefined
      ? hash(`${hashA1}:${challenge.nonce}:${hashA2}`) // RFC 2069 compatibility (RFC 2617 §3.2.2.1)
      : hash(`${hashA1}:${challenge.nonce}:${nc}:${input.cnonce}:${challenge.qop}:${hashA2}`);
  const fields = [
    usernameField(input.username, challenge, hash),
    `realm=${quote(challenge.realm)}`,
    `uri=${quote(input.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(challenge.nonce)}`,
  ];
  if (challenge.qop !== undefined) fields.push(`nc=${nc}`, `cnonce=${quote(input.cnonce)}`, `qop=${challenge.qop}`);
  fields.push(`response=${quote(response)}`);
  if (challenge.opaque !== undefined) fields.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.userhash) fields.push('userhash=true');
  return `Digest ${fields.join(', ')}`;
}

/**
 * RFC 7616 §3.4.4: with userhash the name is H(username:realm); a name that cannot go in a quoted-string (outside
 * printable ASCII) is sent as username* in the RFC 8187 encoding.
 */
function usernameField(username: string, challenge: DigestChallenge, hash: (text: string) => string): string {
  if (challenge.userhash) return `username=${quote(hash(`${username}:${challenge.realm}`))}`;
  if (/^[\x20-\x7e]*$/.test(username)) return `username=${quote(username)}`;
  return `username*=UTF-8''${encodeRfc8187(username)}`;
}

/** RFC 9110 §5.6.4 quoted-string: backslash before `"` and `\`. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}

/** RFC 8187 §3.2.1 value-chars: attr-char as is, everything else percent-encoded UTF-8. */
function encodeRfc8187(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const character = String.fromCharCode(byte);
      return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}
