/**
 * File name patterns of the last path segment of NLST and LIST (what `mget *.txt` sends): `*` (any run), `?` (one
 * character), `[...]` (one of a set: ranges, `!` or `^` to negate, POSIX classes such as `[:digit:]`) and `\` to take
 * the next character as it is, as glob(3) reads them. A name starting with "." is matched only by a pattern that
 * starts with "." (glob(3) without GLOB_PERIOD, and shells), so `*` leaves hidden files out.
 *
 * Our own matcher, not a regular expression (picomatch, minimatch and the like compile to one): a backtracking regular
 * expression takes time exponential in the stars of a pattern that fails, measured at over a minute for
 * `*a*a*a*a*a*b` against a 200-character name, and a client chooses both. Here a failing pattern costs at most
 * pattern × name steps: the matcher goes back only to the last star, since what a later star can match includes
 * whatever an earlier one could have.
 */

type Token =
  | { readonly kind: 'star' }
  | { readonly kind: 'one' }
  | { readonly kind: 'literal'; readonly character: string }
  | { readonly kind: 'set'; readonly negated: boolean; readonly matches: (character: string) => boolean };

/** The characters that make a segment a pattern rather than a name. */
const patternCharacters = /[*?[]/;

/** True when `segment` holds a pattern character, so NLST and LIST of it list the names it matches. */
export function isNamePattern(segment: string): boolean {
  return patternCharacters.test(segment);
}

const posixClasses: Readonly<Record<string, (character: string) => boolean>> = {
  alpha: (character) => /^\p{L}$/u.test(character),
  digit: (character) => character >= '0' && character <= '9',
  alnum: (character) => /^[\p{L}\p{Nd}]$/u.test(character),
  upper: (character) => /^\p{Lu}$/u.test(character),
  lower: (character) => /^\p{Ll}$/u.test(character),
  space: (character) => /^\s$/u.test(character),
  punct: (character) => /^[\p{P}\p{S}]$/u.test(character),
  xdigit: (character) => /^[0-9A-Fa-f]$/.test(character),
};

/**
 * A bracket expression starting at `characters[start]` ("["), and the index after its "]"; undefined when it does not
 * close, and the "[" is then a plain character (as glob(3) takes it).
 */
function parseSet(characters: readonly string[], start: number): { token: Token; next: number } | undefined {
  let index = start + 1;
  const negated = characters[index] === '!' || characters[index] === '^';
  if (negated) index++;
  const tests: Array<(character: string) => boolean> = [];
  let first = true;
  while (index < characters.length) {
    const character = characters[index]!;
    if (character === ']' && !first) {
      const matches = (candidate: string) => tests.some((test) => test(candidate));
      return { token: { kind: 'set', negated, matches }, next: index + 1 };
    }
    first = false;
    if (character === '[' && characters[index + 1] === ':') {
      const close = characters.indexOf(':', index + 2);
      const name = close === -1 ? undefined : characters.slice(index + 2, close).join('');
      const test = name === undefined ? undefined : posixClasses[name];
      if (test !== undefined && characters[close + 1] === ']') {
        tests.push(test);
        index = close + 2;
        continue;
      }
    }
    const low = character === '\\' && index + 1 < characters.length ? characters[++index]! : character;
    if (characters[index + 1] === '-' && index + 2 < characters.length && characters[index + 2] !== ']') {
      let high = characters[index + 2]!;
      index += 3;
      if (high === '\\' && index < characters.length) high = characters[index++]!;
      const [from, to] = [low.codePointAt(0)!, high.codePointAt(0)!];
      tests.push((candidate) => {
        const point = candidate.codePointAt(0)!;
        return point >= from && point <= to;
      });
      continue;
    }
    tests.push((candidate) => candidate === low);
    index++;
  }
  return undefined;
}

function tokenize(pattern: string): Token[] {
  const characters = Array.from(pattern);
  const tokens: Token[] = [];
  for (let index = 0; index < characters.length; ) {
    const character = characters[index]!;
    if (character === '*') {
      // A run of stars is one star.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      index++;
    } else if (character === '?') {
      tokens.push({ kind: 'one' });
      index++;
    } else if (character === '[') {
      const set = parseSet(characters, index);
      if (set === undefined) {
        tokens.push({ kind: 'literal', character });
        index++;
      } else {
        tokens.push(set.token);
        index = set.next;
      }
    } else if (character === '\\' && index + 1 < characters.length) {
      tokens.push({ kind: 'literal', character: characters[index + 1]! });
      index += 2;
    } else {
      tokens.push({ kind: 'literal', character });
      index++;
    }
  }
  return tokens;
}

function matchesOne(token: Token, character: string): boolean {
  switch (token.kind) {
    case 'one':
      return true;
    case 'literal':
      return token.character === character;
    case 'set':
      return token.matches(character) !== token.negated;
    case 'star':
      return false;
  }
}

/** A test of names against `pattern` (see the module comment), compiled once for a whole listing. */
export function createNameMatcher(pattern: string): (name: string) => boolean {
  const tokens = tokenize(pattern);
  const first = tokens[0];
  const allowsHidden = first?.kind === 'literal' && first.character === '.';
  return (name) => {
    if (name.startsWith('.') && !allowsHidden) return false;
    const characters = Array.from(name);
    let token = 0;
    let position = 0;
    // Where the last star stood, and the position it was last set to take the characters up to.
    let starToken = -1;
    let starPosition = 0;
    while (position < characters.length) {
      const current = tokens[token];
      if (current !== undefined && current.kind !== 'star' && matchesOne(current, characters[position]!)) {
        token++;
        position++;
      } else if (current?.kind === 'star') {
        starToken = token++;
        starPosition = position;
      } else if (starToken !== -1) {
        // Let the last star take one character more and try what follows it again.
        token = starToken + 1;
        position = ++starPosition;
      } else {
        return false;
      }
    }
    while (tokens[token]?.kind === 'star') token++;
    return token === tokens.length;
  };
}
