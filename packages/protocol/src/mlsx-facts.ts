import { defaultMode } from './listing-entry.ts';
import type { ListingEntry } from './listing-entry.ts';
import { formatMachineTime, isMachineTimeRepresentable } from './machine-time.ts';
import { encodeLineBreaks } from './wire-text.ts';

/** The RFC 3659 §7.5 facts this package can write, in lower case. */
export type MlstFact = 'type' | 'size' | 'modify' | 'perm' | 'unique' | 'unix.mode';

/** Every supported fact, in the order facts appear in FEAT and in MLSD/MLST lines. */
export const supportedMlstFacts: readonly MlstFact[] = Object.freeze([
  'type',
  'size',
  'modify',
  'perm',
  'unique',
  'unix.mode',
] as const);

/** Facts enabled for a new session: all supported facts. A frozen-in-practice set; copy it before changing. */
export const defaultMlstFacts: ReadonlySet<MlstFact> = new Set(supportedMlstFacts);

// How each fact is spelled on the wire. Fact names are case-insensitive (RFC 3659 §7.5); "UNIX.mode" is the
// customary spelling of the UNIX-specific fact (RFC 3659 §7.5.8 "OS-specific" names).
const wireName: Readonly<Record<MlstFact, string>> = {
  type: 'type',
  size: 'size',
  modify: 'modify',
  perm: 'perm',
  unique: 'unique',
  'unix.mode': 'UNIX.mode',
};

/**
 * The FEAT line for MLST (RFC 3659 §7.8): every supported fact followed by ";", with "*" after those enabled,
 * e.g. "MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;". FEAT callers add the leading space (RFC 2389 §3.2).
 */
export function formatMlstFeature(enabled: ReadonlySet<MlstFact>): string {
  const facts = supportedMlstFacts.map((fact) => `${wireName[fact]}${enabled.has(fact) ? '*' : ''};`);
  return `MLST ${facts.join('')}`;
}

/**
 * Parses the argument of "OPTS MLST" (RFC 3659 §7.9), e.g. "type;size;", into the facts to enable. Names are
 * case-insensitive; unknown names are ignored, as the RFC requires. An empty argument enables no facts.
 * The reply should list the facts now enabled (see {@link formatMlstOptsReply}).
 */
export function parseMlstOptions(argument: string): Set<MlstFact> {
  const known = new Set<string>(supportedMlstFacts);
  const enabled = new Set<MlstFact>();
  for (const name of argument.split(';')) {
    const fact = name.trim().toLowerCase();
    if (known.has(fact)) {
      enabled.add(fact as MlstFact);
    }
  }
  return enabled;
}

/** The text of the 200 reply to "OPTS MLST" (RFC 3659 §7.9): "MLST OPTS type;size;" with the enabled facts. */
export function formatMlstOptsReply(enabled: ReadonlySet<MlstFact>): string {
  const facts = supportedMlstFacts.filter((fact) => enabled.has(fact)).map((fact) => `${wireName[fact]};`);
  return `MLST OPTS ${facts.join('')}`;
}

/** Options for {@link formatMlsxLine}. */
export interface MlsxLineOptions {
  /** Facts to write (the session's enabled set); others are left out. */
  readonly facts: ReadonlySet<MlstFact>;
  /** The "perm" fact value (RFC 3659 §7.5.5), e.g. "adfrw"; the fact is left out when missing. */
  readonly perm?: string;
  /** "cdir" for the listed directory itself, "pdir" for its parent (RFC 3659 §7.5.1). */
  readonly type?: 'cdir' | 'pdir';
}

// RFC 3659 §7.5.5 permission letters, and §7.5.2's "unique" value: visible characters without ";" or "=".
const permPattern = /^[acdeflmprw]*$/;
const uniquePattern = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/**
 * Formats one MLSD line or MLST entry line (RFC 3659 §7.2) without a line end:
 * "type=file;size=10;modify=20240101120000;perm=rw; name", a single space before the name.
 *
 * - type: "file", "dir", or `options.type`. Symlinks are reported as "file": the entry describes what the client
 *   can retrieve, and a non-standard "OS.unix=symlink" type would confuse clients that do not know it.
 * - size: files and symlinks only; RFC 3659 §7.5.7 leaves a directory's size undefined.
 * - modify: the UTC time-val (RFC 3659 §7.5.3), left out if the date cannot be written.
 * - perm: `options.perm` when given and valid; unique: the entry's uniqueId when given and valid.
 * - UNIX.mode: octal with a leading zero, e.g. "0644"; defaults as in LIST when the entry has no mode.
 *
 * Facts appear in {@link supportedMlstFacts} order. The name is written as it is, except that line breaks are
 * encoded (see `encodeLineBreaks`), since a fact line must stay one line.
 */
export function formatMlsxLine(entry: ListingEntry, options: MlsxLineOptions): string {
  return createMlsxLineFormatter(options.facts)(entry, options.perm, options.type);
}

/** Formats one MLSD/MLST line as {@link formatMlsxLine} does, with the perm and type given by position. */
export type MlsxLineFormatter = (entry: ListingEntry, perm?: string, type?: 'cdir' | 'pdir') => string;

/**
 * A formatter for many lines with one set of facts, as MLSD writes them: which facts are on is read from `facts`
 * once, here (later changes to the set are not seen), and a perm value is checked once while it repeats instead of
 * once per line. The lines are those of {@link formatMlsxLine}.
 */
export function createMlsxLineFormatter(facts: ReadonlySet<MlstFact>): MlsxLineFormatter {
  const withType = facts.has('type');
  const withSize = facts.has('size');
  const withModify = facts.has('modify');
  const withPerm = facts.has('perm');
  const withUnique = facts.has('unique');
  const withMode = facts.has('unix.mode');
  let checkedPerm: string | undefined;
  let checkedPermFact = '';
  let lastMode = -1;
  let lastModeFact = '';
  return (entry, perm, type) => {
    // Built in place, in supportedMlstFacts order: MLSD calls this once per entry of directories of any size.
    let line = '';
    if (withType) line += type === undefined ? (entry.type === 'directory' ? 'type=dir;' : 'type=file;') : `type=${type};`;
    if (withSize && entry.type !== 'directory') line += `size=${entry.size};`;
    if (withModify && isMachineTimeRepresentable(entry.modifiedAt)) line += `modify=${formatMachineTime(entry.modifiedAt)};`;
    if (withPerm && perm !== undefined) {
      if (perm !== checkedPerm) {
        checkedPerm = perm;
        checkedPermFact = permPattern.test(perm) ? `perm=${perm};` : '';
      }
      line += checkedPermFact;
    }
    const unique = entry.uniqueId;
    if (withUnique && unique !== undefined && uniquePattern.test(unique)) line += `unique=${unique};`;
    if (withMode) {
      const mode = (entry.mode ?? defaultMode(entry.type)) & 0o7777;
      if (mode !== lastMode) {
        lastMode = mode;
        lastModeFact = `UNIX.mode=0${mode.toString(8).padStart(3, '0')};`;
      }
      line += lastModeFact;
    }
    return `${line} ${encodeLineBreaks(entry.name)}`;
  };
}
