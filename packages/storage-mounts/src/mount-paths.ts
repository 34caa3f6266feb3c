/**
 * A mount point as the server's paths name it: absolute, POSIX, normalised ("/archive", "/a/b", "/"). A trailing "/"
 * is dropped; anything that is not a plain path inside the user's tree (a "..", a ".", an empty segment in the
 * middle, a NUL, a relative path, not a string) gives undefined, so a mistyped mount is refused rather than guessed.
 */
export function normaliseMountPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) return undefined;
  const segments = path.slice(1).split('/');
  if (segments.at(-1) === '') segments.pop();
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return `/${segments.join('/')}`;
}

/** True when `path` is `ancestor` or lies below it ("/" contains every path). */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '/' || path === ancestor || path.startsWith(`${ancestor}/`);
}

/** `path` as its mount sees it: "/archive/2024/a.txt" under the mount "/archive" is "/2024/a.txt". */
export function pathInside(path: string, mountPath: string): string {
  return mountPath === '/' ? path : path.slice(mountPath.length) || '/';
}

/** The last segment of `path`; "/" for the root. */
export function baseName(path: string): string {
  return path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
}

/** `name` inside the directory `directory`. */
export function childPath(directory: string, name: string): string {
  return directory === '/' ? `/${name}` : `${directory}/${name}`;
}
