/** One challenge of a WWW-Authenticate field (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** As written, e.g. "Digest"; compare case-insensitively. */
  readonly scheme: string;
  /** Parameter names lower-cased (RFC 9110 §11.2: they are case-insensitive), values unquoted. */
  readonly parameters: ReadonlyMap<string, string>;
}

/** The Digest algorithms this package answers (RFC 7616 §3.5, §6.1). */
export const digestAlgorithms = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const;
export type DigestAlgorithm = (typeof digestAlgorithms)[number];

/** A Digest challenge this package can answer (RFC 7616 §3.3). */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  readonly algorithm: DigestAlgorithm;
  /** "auth" when the server offered it; undefined for an RFC 2069 challenge without qop. */
  readonly qop: 'auth' | undefined;
  /** The previous nonce was stale, the credentials were fine (RFC 7616 §3.3). */
  readonly stale: boolean;
  /** Send H(username:realm) instead of the user name (RFC 7616 §3.4.4). */
  readonly userhash: boolean;
}

const tokenCharacter = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses WWW-Authenticate field values into challenges. A field may hold several challenges separated by commas and a
 * response may carry several fields (RFC 9110 §11.6.1), so a comma does not tell a new challenge from the next
 * parameter: a token followed by "=" is a parameter, any other token starts a challenge. token68 credentials (Basic,
 * Negotiate) are skipped. Malformed input ends parsing of that field; what was parsed so far is kept.
 */
export function parseChallenges(fields: readonly string[]): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  for (const field of fields) parseField(field, challenges);
  return challenges;
}

function parseField(field: string, challenges: AuthChallenge[]): void {
  let position = 0;
  let current: Map<string, string> | undefined;
  const skip = (pattern: RegExp): void => {
    while (position < field.length && pattern.test(field[position]!)) position++;
  };
  const readToken = (): string => {
    const start = position;
    while (position < field.length && tokenCharacter.test(field[position]!)) position++;
    return field.slice(start, position);
  };
  while (position < field.length) {
    skip(/[\s,]/);
    if (position >= field.length) return;
    const token = readToken();
    if (token === '') return;
    skip(/[ \t]/);
    if (field[position] === '=' && current !== undefined && !isToken68End(field, position + 1)) {
      position++;
      skip(/[ \t]/);
      const value = field[position] === '"' ? readQuoted() : readToken();
      if (value === undefined) return;
      current.set(token.toLowerCase(), value);
      continue;
    }
    current = new Map();
    challenges.push({ scheme: token, parameters: current });
    // token68 credentials after a scheme (RFC 9110 §11.2, e.g. "Negotiate abc=="): skipped, Digest has none.
    const token68 = /^[A-Za-z0-9\-._~+/]+=*[ \t]*(?:,|$)/.exec(field.slice(position));
    if (token68 !== null) position += token68[0].length;
  }

  function readQuoted(): string | undefined {
    // RFC 9110 §5.6.4: quoted-string with backslash quoted-pairs.
    let value = '';
    position++;
    while (position < field.length) {
      const character = field[position++]!;
      if (character === '"') return value;
      if (character === '\\') {
        if (position >= field.length) return undefined;
        value += field[position++]!;
      } else {
        value += character;
      }
    }
    return undefined;
  }
}

/** True when the "=" at `position - 1` is token68 padding: followed by more "=", a comma or the end. */
function isToken68End(field: string, position: number): boolean {
  const rest = field.slice(position).trimStart();
  return rest === '' || rest.startsWith(',') || rest.startsWith('=');
}

/**
 * The Digest challenges among `challenges` that this package can answer, in the server's order (RFC 7616 §3.7: the
 * server lists its preferred algorithm first). A challenge is usable when its algorithm is MD5, SHA-256 or a -sess
 * variant (absent means MD5, RFC 7616 §3.3) and it offers qop "auth", or no qop at all (RFC 2069 compatibility,
 * plain MD5 and SHA-256 only: the -sess variants need a cnonce, which only exists with qop).
 */
export function usableDigestChallenges(challenges: readonly AuthChallenge[]): DigestChallenge[] {
  const usable: DigestChallenge[] = [];
  for (const challenge of challenges) {
    if (challenge.scheme.toLowerCase() !== 'digest') continue;
    const parameters = challenge.parameters;
    const realm = parameters.get('realm');
    const nonce = parameters.get('nonce');
    const algorithmName = parameters.get('algorithm') ?? 'MD5';
    const algorithm = digestAlgorithms.find((candidate) => candidate.toLowerCase() === algorithmName.toLowerCase());
    if (realm === undefined || nonce === undefined || nonce === '' || algorithm === undefined) continue;
    const qopOptions = parameters
      .get('qop')
      ?.split(',')
      .map((option) => option.trim().toLowerCase());
    if (qopOptions !== undefined && !qopOptions.includes('auth')) continue;
    if (qopOptions === undefined && algorithm.endsWith('-sess')) continue;
    usable.push({
      realm,
      nonce,
      opaque: parameters.get('opaque'),
      algorithm,
      qop: qopOptions === undefined ? undefined : 'auth',
      stale: parameters.get('stale')?.toLowerCase() === 'true',
      userhash: parameters.get('userhash')?.toLowerCase() === 'true',
    });
  }
  return usable;
}
