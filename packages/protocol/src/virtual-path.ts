// Virtual paths are what the client sees and what plugins receive (the storage contract's paths): absolute POSIX paths,
// normalised, where "/" is the user's root. Only "/" separates segments; a backslash is an ordinary name character
// on POSIX. Nothing is percent-decoded: "%2e%2e" is a literal name, since FTP pathnames are not URLs.

/** Normalises a sequence of segments onto `segments`; ".." at the root stays at the root. */
function applySegments(segments: string[], path: string): void {
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') {
      continue;
    }
    if (segment === '..') {
      segments.pop();
    } else {
      segments.push(segment);
    }
  }
}

function toPath(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}

/**
 * Resolves a command argument against the current directory into a normalised absolute virtual path.
 * An argument starting with "/" is absolute, otherwise relative to `currentDirectory`; an empty argument is the
 * current directory. Repeated slashes, "." segments and trailing slashes disappear, and ".." removes the previous
 * segment but never goes above "/", so the result cannot escape the user's root. `currentDirectory` is itself
 * normalised first, so a malformed one cannot leak through.
 */
export function resolveVirtualPath(currentDirectory: string, argument: string): string {
  return joinVirtualPath(argument.startsWith('/') ? '/' : currentDirectory, argument);
}

/** What normalising would change inside a path: an empty segment ("//") or a "." or ".." segment. */
const notNormal = /\/\/|(?:^|\/)\.\.?(?=\/|$)/;

/** A relative argument that needs no normalising: non-empty segments, none "." or "..", no trailing "/". */
function isPlainRelative(argument: string): boolean {
  return argument !== '' && !argument.startsWith('/') && !argument.endsWith('/') && !notNormal.test(argument);
}

/** An absolute path already normalised: "/", or "/"-separated non-empty segments, none "." or "..". */
function isNormalised(path: string): boolean {
  return path === '/' || (path.startsWith('/') && !path.endsWith('/') && !notNormal.test(path));
}

/** The directory containing `path` (normalised first); the parent of "/" is "/". */
export function parentPath(path: string): string {
  if (isNormalised(path)) {
    const last = path.lastIndexOf('/');
    return last === 0 ? '/' : path.slice(0, last);
  }
  const segments: string[] = [];
  applySegments(segments, path);
  segments.pop();
  return toPath(segments);
}

/** The last segment of `path` (normalised first); the base name of "/" is "/", as storage names the root. */
export function baseName(path: string): string {
  if (isNormalised(path)) return path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
  const segments: string[] = [];
  applySegments(segments, path);
  return segments.at(-1) ?? '/';
}

/**
 * Joins a directory and a name relative to it, e.g. a listing entry's name to the listed directory. The name is
 * always taken as relative (a leading "/" does not make it absolute), and the result is normalised and stays
 * within the root like {@link resolveVirtualPath}.
 */
export function joinVirtualPath(directory: string, name: string): string {
  // The common case, a plain name in a normalised directory, is joined without splitting the directory: the work of
  // a command must not grow with the depth of the session's directory (a MKD/CWD loop makes it thousands deep).
  if (isPlainRelative(name) && isNormalised(directory)) return directory === '/' ? `/${name}` : `${directory}/${name}`;
  const segments: string[] = [];
  applySegments(segments, directory);
  applySegments(segments, name);
  return toPath(segments);
}
