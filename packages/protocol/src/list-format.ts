import { defaultMode } from './listing-entry.ts';
import type { ListingEntry } from './listing-entry.ts';
import { encodeLineBreaks } from './wire-text.ts';

/** Options for {@link formatListLine}. */
export interface ListLineOptions {
  /** The current time, which decides between the "HH:MM" and the year form of the date. */
  readonly now: Date;
  /** Owner column; default "ftp". */
  readonly owner?: string;
  /** Group column; default "ftp". */
  readonly group?: string;
}

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

// As GNU ls: an entry is "recent" (time shown instead of year) if modified within half an average Gregorian year.
const sixMonthsMilliseconds = (365.2425 * 24 * 60 * 60 * 1000) / 2;
// Clock skew between the storage and this server should not switch a just-written file to the year form.
const futureToleranceMilliseconds = 60 * 60 * 1000;

/**
 * Formats one LIST line in the `ls -l` layout vsftpd produces (RFC 959 leaves LIST's format open, and clients
 * parse this one), without a line end:
 * `-rw-r--r--    1 ftp      ftp          1234 Jan 01 12:34 name`.
 *
 * The date is "Mon DD HH:MM" for entries modified within the last six months of `now` (or up to an hour in the
 * future), and "Mon DD  YYYY" otherwise, in UTC with English month names whatever the locale. The link count is 2
 * for directories and 1 otherwise, since storage does not report it. Line breaks in the name are encoded (see
 * `encodeLineBreaks`) so one entry is always one line; the name is otherwise written as it is.
 */
export function formatListLine(entry: ListingEntry, options: ListLineOptions): string {
  return createListLineFormatter(options)(entry);
}

/**
 * {@link formatListLine} for many entries with the same options (a LIST): the columns that do not depend on the
 * entry are prepared once, and the permission and date columns are remembered, since a directory's entries mostly
 * share a mode and often a time.
 */
export function createListLineFormatter(options: ListLineOptions): (entry: ListingEntry) => string {
  const owner = (options.owner ?? 'ftp').padEnd(8);
  const group = (options.group ?? 'ftp').padEnd(8);
  const ownerAndGroup = `${owner} ${group}`;
  // Keyed by a number (the mode with the type above its bits), not a string made per line: most entries of a
  // directory share one mode, so the last one is checked first.
  const permissionsByMode = new Map<number, string>();
  let lastModeKey = -1;
  let lastPermissions = '';
  let lastDateTime = Number.NaN;
  let lastDate = '';
  return (entry) => {
    const mode = entry.mode ?? defaultMode(entry.type);
    const modeKey = (mode & 0o7777) + (entry.type === 'directory' ? 0o10000 : entry.type === 'symlink' ? 0o20000 : 0);
    let permissions = lastPermissions;
    if (modeKey !== lastModeKey) {
      permissions = permissionsByMode.get(modeKey) ?? formatPermissions(entry.type, mode);
      if (permissionsByMode.size < 64) permissionsByMode.set(modeKey, permissions);
      lastModeKey = modeKey;
      lastPermissions = permissions;
    }
    const links = entry.type === 'directory' ? '   2' : '   1';
    const time = entry.modifiedAt.getTime();
    if (time !== lastDateTime) {
      lastDate = formatListDate(entry.modifiedAt, options.now);
      lastDateTime = time;
    }
    return `${permissions} ${links} ${ownerAndGroup} ${String(entry.size).padStart(8)} ${lastDate} ${encodeLineBreaks(entry.name)}`;
  };
}

/** Formats one NLST line (RFC 959 §4.1.3: names only), without a line end; line breaks in the name are encoded. */
export function formatNlstLine(name: string): string {
  return encodeLineBreaks(name);
}

/** "drwxr-xr-x"-style type letter and permission bits, with s/S and t/T for setuid, setgid and sticky. */
export function formatPermissions(type: ListingEntry['type'], mode: number): string {
  const typeLetter = type === 'directory' ? 'd' : type === 'symlink' ? 'l' : '-';
  const triple = (shift: number, specialBit: number, specialLetter: string): string => {
    const read = (mode & (0o4 << shift)) !== 0 ? 'r' : '-';
    const write = (mode & (0o2 << shift)) !== 0 ? 'w' : '-';
    const execute = executeLetter((mode & (0o1 << shift)) !== 0, (mode & specialBit) !== 0, specialLetter);
    return read + write + execute;
  };
  return typeLetter + triple(6, 0o4000, 's') + triple(3, 0o2000, 's') + triple(0, 0o1000, 't');
}

/** ls shows a set special bit in the execute column: lower case if also executable, upper case if not. */
function executeLetter(isExecutable: boolean, isSpecial: boolean, specialLetter: string): string {
  if (!isSpecial) {
    return isExecutable ? 'x' : '-';
  }
  return isExecutable ? specialLetter : specialLetter.toUpperCase();
}

function formatListDate(modifiedAt: Date, now: Date): string {
  // An invalid date from a storage must not break the whole listing: show it as the epoch.
  const date = Number.isNaN(modifiedAt.getTime()) ? new Date(0) : modifiedAt;
  const age = now.getTime() - date.getTime();
  const isRecent = age < sixMonthsMilliseconds && age > -futureToleranceMilliseconds;
  const monthAndDay = `${monthNames[date.getUTCMonth()] ?? 'Jan'} ${String(date.getUTCDate()).padStart(2, '0')}`;
  if (isRecent) {
    const hours = String(date.getUTCHours()).padStart(2, '0');
    const minutes = String(date.getUTCMinutes()).padStart(2, '0');
    return `${monthAndDay} ${hours}:${minutes}`;
  }
  return `${monthAndDay}  ${String(date.getUTCFullYear()).padStart(4, ' ')}`;
}

/** The flags and path of a LIST or NLST argument, see {@link parseListArguments}. */
export interface ListArguments {
  /** Option letters without the "-", e.g. "la"; empty when there are none. */
  readonly flags: string;
  /** The path, possibly empty (the current directory). */
  readonly path: string;
}

const optionTokenPattern = /^-[A-Za-z]+$/;

/**
 * Splits a LIST/NLST argument into `ls` options and a path. Many clients send "LIST -la" or "LIST -a /dir"
 * although RFC 959 §4.1.3 only defines a pathname.
 *
 * Rule: leading space-separated tokens that are "-" followed by letters only (e.g. "-la", "-a", "-R") are options;
 * their letters are concatenated into `flags`. Everything after the spaces following the last option token is the
 * path, kept byte-exact. The first token that is not such an option ends the options, so "file -name" is a path,
 * and so are "-", "--" and "-1x" (digits or other characters do not look like `ls` options). Consequently a file
 * whose name is letters after a "-" (such as "-la") cannot be listed by bare name; "./-la" works.
 */
export function parseListArguments(argument: string): ListArguments {
  let flags = '';
  let rest = argument;
  for (;;) {
    const token = /^[^ ]*/.exec(rest)?.[0] ?? '';
    if (!optionTokenPattern.test(token)) {
      break;
    }
    flags += token.slice(1);
    rest = rest.slice(token.length).replace(/^ +/, '');
  }
  return { flags, path: flags === '' ? argument : rest };
}
