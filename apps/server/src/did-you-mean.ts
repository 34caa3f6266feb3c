/**
 * The candidate closest to `input`, if one is close enough to be a likely typo: the same letters ignoring case and
 * `_`/`-` (`FTP_PORT` → `ftpPort`), an edit distance of at most a third of the length (at least 2), or else the one
 * candidate that `input` abbreviates (`homeDir` → `homeDirectory`, four letters or more).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const normalise = (text: string) => text.toLowerCase().replace(/[_-]/g, '');
  const exact = candidates.find((candidate) => normalise(candidate) === normalise(input));
  if (exact !== undefined) return exact;
  return closeByEdits(input, candidates, normalise) ?? abbreviated(normalise(input), candidates, normalise);
}

function closeByEdits(input: string, candidates: readonly string[], normalise: (text: string) => string): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(normalise(input), normalise(candidate));
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  const allowed = Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && best.distance <= allowed ? best.candidate : undefined;
}

function abbreviated(input: string, candidates: readonly string[], normalise: (text: string) => string): string | undefined {
  if (input.length < 4) return undefined;
  const longer = candidates.filter((candidate) => normalise(candidate).startsWith(input));
  return longer.length === 1 ? longer[0] : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions), with one row of memory. */
export function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}
