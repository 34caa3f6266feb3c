import { formatOf } from './verify-password.ts';

/** One user line of an htpasswd file. */
export interface HtpasswdEntry {
  readonly username: string;
  readonly hash: string;
}

/** A line the parser refused, with its 1-based number (never the hash, which must not reach a log). */
export interface HtpasswdProblem {
  readonly line: number;
  readonly reason: string;
}

export interface ParsedHtpasswd {
  readonly users: ReadonlyMap<string, HtpasswdEntry>;
  readonly problems: readonly HtpasswdProblem[];
}

/**
 * Parses the content of an htpasswd file: one `name:hash` per line, as Apache's mod_authn_file reads it. Blank lines
 * and lines starting with "#" are skipped; the user name ends at the first ":"; CRLF line ends are accepted. A line
 * with no ":", an empty name, a hash format this plugin cannot check, or a repeated name becomes a problem; for a
 * repeated name the first line wins, as in Apache, which stops at the first match.
 */
export function parseHtpasswd(content: string): ParsedHtpasswd {
  const users = new Map<string, HtpasswdEntry>();
  const problems: HtpasswdProblem[] = [];
  const lines = content.split('\n');
  lines.forEach((rawLine, index) => {
    const text = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const line = index + 1;
    if (text.trim() === '' || text.startsWith('#')) return;
    const separator = text.indexOf(':');
    if (separator <= 0) {
      problems.push({ line, reason: separator === 0 ? 'empty user name' : 'no ":" between user name and hash' });
      return;
    }
    const username = text.slice(0, separator);
    const hash = text.slice(separator + 1).trim();
    if (formatOf(hash) === undefined) {
      problems.push({ line, reason: `unsupported hash format for "${username}" (use htpasswd -B for bcrypt, or -m, or -s)` });
    } else if (users.has(username)) {
      problems.push({ line, reason: `"${username}" is listed again; the first line counts` });
    } else {
      users.set(username, { username, hash });
    }
  });
  return { users, problems };
}
