import { Buffer } from 'node:buffer';
import { defaultMode } from './listing-entry.ts';
import type { ListingEntry } from './listing-entry.ts';
import { encodeLineBreaks, writeDigits, writeName } from './wire-text.ts';

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
 * {@link formatListLine} for many entries with the same options (a STAT of a directory). It writes each line with
 * {@link createListLineEncoder}, so the two can never disagree.
 */
export function createListLineFormatter(options: ListLineOptions): (entry: ListingEntry) => string {
  const encode = createListLineEncoder(options);
  let scratch = Buffer.allocUnsafe(256);
  return (entry) => {
    let end = encode(entry, scratch, 0);
    while (end === -1) {
      scratch = Buffer.allocUnsafe(scratch.length * 2);
      end = encode(entry, scratch, 0);
    }
    return scratch.toString('utf8', 0, end - 2);
  };
}

/**
 * Writes one LIST line (see {@link formatListLine}) and its CRLF into `target` at `offset`, and returns the offset
 * after it; returns -1, having written nothing the caller should keep, when fewer bytes are left than the line may
 * need (the permission, link, owner and group columns, 36 bytes, and three per UTF-16 unit of the name).
 */
export type ListLineEncoder = (entry: ListingEntry, target: Buffer, offset: number) => number;

/** Bytes of a LIST line besides its name: the prefix (owner and group included), a 20-digit size, the date, CRLF. */
function fixedRoom(prefix: Uint8Array): number {
  return prefix.length + 20 + 1 + 12 + 1 + 2;
}

/**
 * The encoder of a LIST's lines, for one listing: it writes bytes straight into the caller's batch buffer, so a
 * listing of 10,000 entries makes no string per line. Building each line as a string, then the batch as a string, then
 * its bytes, was a large share of what a listing allocated, and young-generation collections are what makes the
 * listings right after the server sat idle slow, when V8 has shrunk its young generation. The columns that do not depend on the entry are encoded once, and the permission and date
 * columns are remembered, since a directory's entries mostly share a mode and often a minute.
 */
export function createListLineEncoder(options: ListLineOptions): ListLineEncoder {
  const owner = (options.owner ?? 'ftp').padEnd(8);
  const group = (options.group ?? 'ftp').padEnd(8);
  const ownerAndGroup = `${owner} ${group}`;
  const now = options.now.getTime();
  // Keyed by a number (the mode with the type above its bits): most entries of a directory share one mode, so the
  // last one is checked first.
  const prefixByMode = new Map<number, Uint8Array>();
  let lastModeKey = -1;
  let lastPrefix: Uint8Array = new Uint8Array(0);
  let lastDateKey = Number.NaN;
  const date = new Uint8Array(12);
  return (entry, target, offset) => {
    const mode = entry.mode ?? defaultMode(entry.type);
    const modeKey = (mode & 0o7777) + (entry.type === 'directory' ? 0o10000 : entry.type === 'symlink' ? 0o20000 : 0);
    if (modeKey !== lastModeKey) {
      let prefix = prefixByMode.get(modeKey);
      if (prefix === undefined) {
        const links = entry.type === 'directory' ? '   2' : '   1';
        prefix = Buffer.from(`${formatPermissions(entry.type, mode)} ${links} ${ownerAndGroup} `, 'utf8');
        if (prefixByMode.size < 64) prefixByMode.set(modeKey, prefix);
      }
      lastModeKey = modeKey;
      lastPrefix = prefix;
    }
    const name = entry.name;
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 for 2), and an encoded CR 2 bytes.
    if (target.length - offset < fixedRoom(lastPrefix) + name.length * 3) return -1;
    target.set(lastPrefix, offset);
    let at = offset + lastPrefix.length;
    at = writeSize(target, at, entry.size);
    target[at++] = 0x20;
    const dateKey = listDateKey(entry.modifiedAt.getTime(), now);
    if (dateKey !== lastDateKey) {
      date.set(Buffer.from(formatListDate(entry.modifiedAt, options.now), 'latin1'));
      lastDateKey = dateKey;
    }
    for (let index = 0; index < 12; index++) target[at + index] = date[index]!;
    at += 12;
    target[at++] = 0x20;
    at = writeName(target, at, name);
    target[at++] = 0x0d;
    target[at++] = 0x0a;
    return at;
  };
}

/**
 * What decides a LIST date column: the minute, and whether it counts as recent. Entries that share it share the
 * column; an invalid time gets a key of its own (it shows as the epoch).
 */
function listDateKey(time: number, now: number): number {
  if (Number.isNaN(time)) return -1;
  const age = now - time;
  const isRecent = age < sixMonthsMilliseconds && age > -futureToleranceMilliseconds;
  return Math.floor(time / 60_000) * 2 + (isRecent ? 1 : 0);
}

/** The size right-aligned in 8 columns (as `String(size).padStart(8)`), digits written without a string. */
function writeSize(target: Buffer, offset: number, size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) {
    return offset + target.write(String(size).padStart(8), offset, 'latin1');
  }
  return writeDigits(target, offset, size, 8, 0x20);
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
