import { closestMatch as closestByEdits } from 'leven';

/**
 * The candidate closest to `input`, if one is close enough to be a likely typo: the same letters ignoring case and
 * `_`/`-` (`FTP_PORT` → `ftpPort`), an edit distance of at most a third of the length (at least 2), or else the one
 * candidate that `input` abbreviates (`homeDir` → `homeDirectory`, four letters or more).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const normalise = (text: string) => text.toLowerCase().replace(/[_-]/g, '');
  const normalised = candidates.map(normalise);
  const target = normalise(input);
  const close = closestByEdits(target, normalised, { maxDistance: Math.max(2, Math.floor(input.length / 3)) });
  if (close !== undefined) return candidates[normalised.indexOf(close)];
  if (target.length < 4) return undefined;
  const longer = candidates.filter((_, index) => normalised[index]!.startsWith(target));
  return longer.length === 1 ? longer[0] : undefined;
}
