import { Buffer } from 'node:buffer';
import type { ListingEntry } from './listing-entry.ts';
import { isMachineTimeRepresentable } from './machine-time.ts';
import type { MlstFact } from './mlsx-facts.ts';
import { writeDigits, writeName } from './wire-text.ts';

/** Options for {@link formatMlsxLine}. */
export interface MlsxLineOptions {
  /** Facts to write (the session's enabled set); others are left out. */
  readonly facts: ReadonlySet<MlstFact>;
  /** The "perm" fact value (RFC 3659 §7.5.5), e.g. "adfrw"; the fact is left out when missing. */
  readonly perm?: string;
  /** "cdir" for the listed directory itself, "pdir" for its parent (RFC 3659 §7.5.1). */
  readonly type?: 'cdir' | 'pdir';
}

// RFC 3659 §7.5.5 permission letters (§7.5.2's "unique" value is checked in `writeUnique`).
const permPattern = /^[acdeflmprw]*$/;

/**
 * Formats one MLSD line or MLST entry line (RFC 3659 §7.2) without a line end:
 * "type=file;size=10;modify=20240101120000;perm=rw; name", a single space before the name.
 *
 * - type: "file", "dir", or `options.type`. Symlinks are reported as "file": the entry describes what the client
 *   can retrieve, and a non-standard "OS.unix=symlink" type would confuse clients that do not know it.
 * - size: files and symlinks only; RFC 3659 §7.5.7 leaves a directory's size undefined.
 * - modify: the UTC time-val (RFC 3659 §7.5.3), left out if the date cannot be written.
 * - perm: `options.perm` when given and valid; unique: the entry's uniqueId when given and valid.
 * - UNIX.mode: octal with a leading zero, e.g. "0644"; left out when the entry has no mode (RFC 3659 §7.5: a fact
 *   a file does not have is omitted, not made up).
 *
 * Facts appear in `supportedMlstFacts` order. The name is written as it is, except that line breaks are
 * encoded (see `encodeLineBreaks`), since a fact line must stay one line.
 */
export function formatMlsxLine(entry: ListingEntry, options: MlsxLineOptions): string {
  return createMlsxLineFormatter(options.facts)(entry, options.perm, options.type);
}

/** Formats one MLSD/MLST line as {@link formatMlsxLine} does, with the perm and type given by position. */
export type MlsxLineFormatter = (entry: ListingEntry, perm?: string, type?: 'cdir' | 'pdir') => string;

/**
 * A formatter for many lines with one set of facts (see {@link createMlsxLineEncoder}, which it writes them with, so
 * the two can never disagree). The lines are those of {@link formatMlsxLine}.
 */
export function createMlsxLineFormatter(facts: ReadonlySet<MlstFact>): MlsxLineFormatter {
  const encode = createMlsxLineEncoder(facts);
  let scratch = Buffer.allocUnsafe(512);
  return (entry, perm, type) => {
    let end = encode(entry, scratch, 0, perm, type);
    while (end === -1) {
      scratch = Buffer.allocUnsafe(scratch.length * 2);
      end = encode(entry, scratch, 0, perm, type);
    }
    return scratch.toString('utf8', 0, end - 2);
  };
}

/**
 * Writes one MLSD line (the text of {@link formatMlsxLine} and CRLF) in UTF-8 into `target` at `offset`, and returns
 * the offset after it; -1, with nothing written, when fewer bytes are left than a line of this entry can take.
 */
export type MlsxLineEncoder = (entry: ListingEntry, target: Buffer, offset: number, perm?: string, type?: 'cdir' | 'pdir') => number;

const noBytes = new Uint8Array(0);
const typeFact = {
  file: Buffer.from('type=file;', 'latin1'),
  dir: Buffer.from('type=dir;', 'latin1'),
  cdir: Buffer.from('type=cdir;', 'latin1'),
  pdir: Buffer.from('type=pdir;', 'latin1'),
} as const;
const sizeKey = Buffer.from('size=', 'latin1');
const modifyKey = Buffer.from('modify=', 'latin1');
const uniqueKey = Buffer.from('unique=', 'latin1');
// Room for the facts of bounded length: "type=file;" 10, "size=" with up to 16 digits and ";" 22, "modify=" with
// "YYYYMMDDHHMMSS.sss;" 26, "UNIX.mode=07777;" 16, then the space and CRLF 3 (77); the rest is counted per line.
const fixedRoom = 80;

/**
 * An encoder of MLSD lines with one set of facts, as MLSD writes them into its batches: which facts are on is read
 * from `facts` once, here (later changes to the set are not seen); a perm value is checked once while it repeats, a
 * mode formatted once while it repeats, and the date digits worked out once per second (`createModifyWriter`).
 * Facts are ASCII and written byte by byte; see {@link formatMlsxLine} for what each line holds.
 */
export function createMlsxLineEncoder(facts: ReadonlySet<MlstFact>): MlsxLineEncoder {
  const withType = facts.has('type');
  const withSize = facts.has('size');
  const withModify = facts.has('modify');
  const withPerm = facts.has('perm');
  const withUnique = facts.has('unique');
  const withMode = facts.has('unix.mode');
  let checkedPerm: string | undefined;
  let permBytes: Uint8Array = noBytes;
  let lastMode = -1;
  let modeBytes: Uint8Array = noBytes;
  const writeModify = createModifyWriter();
  return (entry, target, offset, perm, type) => {
    if (withPerm && perm !== checkedPerm) {
      checkedPerm = perm;
      permBytes = perm !== undefined && permPattern.test(perm) ? Buffer.from(`perm=${perm};`, 'latin1') : noBytes;
    }
    const name = entry.name;
    const unique = withUnique ? entry.uniqueId : undefined;
    const size = withSize && entry.type !== 'directory' ? entry.size : undefined;
    const oddSize = size !== undefined && !(Number.isSafeInteger(size) && size >= 0) ? String(size) : undefined;
    const room =
      fixedRoom +
      (withPerm && perm !== undefined ? permBytes.length : 0) +
      (unique === undefined ? 0 : unique.length + 8) +
      (oddSize?.length ?? 0) +
      name.length * 3;
    if (target.length - offset < room) return -1;
    let at = offset;
    if (withType) {
      const fact = type === undefined ? (entry.type === 'directory' ? typeFact.dir : typeFact.file) : typeFact[type];
      target.set(fact, at);
      at += fact.length;
    }
    if (size !== undefined) {
      target.set(sizeKey, at);
      at += sizeKey.length;
      at = oddSize === undefined ? writeDigits(target, at, size, 1) : at + target.write(oddSize, at, 'latin1');
      target[at++] = 0x3b;
    }
    if (withModify) at = writeModify(target, at, entry.modifiedAt);
    if (withPerm && perm !== undefined) {
      target.set(permBytes, at);
      at += permBytes.length;
    }
    if (unique !== undefined) at = writeUnique(target, at, unique);
    if (withMode && entry.mode !== undefined) {
      const mode = entry.mode & 0o7777;
      if (mode !== lastMode) {
        lastMode = mode;
        modeBytes = Buffer.from(`UNIX.mode=0${mode.toString(8).padStart(3, '0')};`, 'latin1');
      }
      target.set(modeBytes, at);
      at += modeBytes.length;
    }
    target[at++] = 0x20;
    at = writeName(target, at, name);
    target[at++] = 0x0d;
    target[at++] = 0x0a;
    return at;
  };
}

/**
 * A writer of "modify=YYYYMMDDHHMMSS[.sss];" (RFC 3659 §7.5.3, the time-val of §2.3 in UTC) that works the date
 * digits out once per second: the files of one directory were often written within the same one. Writes nothing for
 * a date that cannot be written (invalid, or a year outside 0000-9999). Returns the offset after what it wrote.
 */
function createModifyWriter(): (target: Buffer, offset: number, date: Date) => number {
  let lastSecond = Number.NaN;
  const secondDigits = new Uint8Array(14);
  return (target, offset, date) => {
    if (!isMachineTimeRepresentable(date)) return offset;
    const time = date.getTime();
    const second = Math.floor(time / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      writeSecondDigits(secondDigits, date);
    }
    target.set(modifyKey, offset);
    let at = offset + modifyKey.length;
    target.set(secondDigits, at);
    at += 14;
    const milliseconds = time - second * 1000;
    if (milliseconds !== 0) {
      target[at++] = 0x2e;
      at = writeDigits(target, at, milliseconds, 3);
    }
    target[at++] = 0x3b;
    return at;
  };
}

/** "YYYYMMDDHHMMSS" of `date` in UTC (RFC 3659 §2.3), into the 14 bytes of `target`. */
function writeSecondDigits(target: Uint8Array, date: Date): void {
  writeDigits(target, 0, date.getUTCFullYear(), 4);
  writeDigits(target, 4, date.getUTCMonth() + 1, 2);
  writeDigits(target, 6, date.getUTCDate(), 2);
  writeDigits(target, 8, date.getUTCHours(), 2);
  writeDigits(target, 10, date.getUTCMinutes(), 2);
  writeDigits(target, 12, date.getUTCSeconds(), 2);
}

/**
 * "unique=<value>;" when the value is a valid RFC 3659 §7.5.2 unique fact (visible ASCII without ";" or "="), checked
 * while it is copied; otherwise nothing. Returns the offset after what it wrote.
 */
function writeUnique(target: Buffer, offset: number, unique: string): number {
  if (unique.length === 0) return offset;
  target.set(uniqueKey, offset);
  const start = offset + uniqueKey.length;
  for (let index = 0; index < unique.length; index++) {
    const code = unique.charCodeAt(index);
    if (code < 0x21 || code > 0x7e || code === 0x3b || code === 0x3d) return offset;
    target[start + index] = code;
  }
  target[start + unique.length] = 0x3b;
  return start + unique.length + 1;
}
