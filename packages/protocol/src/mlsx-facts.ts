import type { ListingEntry } from './listing-entry.ts';

/** The RFC 3659 §7.5 facts this package can write, in lower case. */
export type MlstFact = 'type' | 'size' | 'modify' | 'perm' | 'unique' | 'unix.mode';

/** Every supported fact, in the order facts appear in FEAT and in MLSD/MLST lines. */
export const supportedMlstFacts: readonly MlstFact[] = Object.freeze(['type', 'size', 'modify', 'perm', 'unique', 'unix.mode'] as const);

/** Facts enabled for a new session: all supported facts. A frozen-in-practice set; copy it before changing. */
export const defaultMlstFacts: ReadonlySet<MlstFact> = new Set(supportedMlstFacts);

/**
 * Facts any storage supplies: every entry has a type, a size and a modification time, and "perm" comes from the
 * user's permissions. "unique" and "UNIX.mode" need what only some storages have (an inode, permission bits).
 */
export const baseMlstFacts: ReadonlySet<MlstFact> = new Set<MlstFact>(['type', 'size', 'modify', 'perm']);

/** The facts `entry` can supply: the base facts, "unique" when it has a unique id, "UNIX.mode" when it has a mode. */
export function mlstFactsOf(entry: Pick<ListingEntry, 'mode' | 'uniqueId'>): Set<MlstFact> {
  const facts = new Set(baseMlstFacts);
  if (entry.uniqueId !== undefined) facts.add('unique');
  if (entry.mode !== undefined) facts.add('unix.mode');
  return facts;
}

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
 * The FEAT line for MLST (RFC 3659 §7.8): every fact `offered` (by default every supported fact) followed by ";",
 * with "*" after those enabled, e.g. "MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;". Offer only the facts the
 * listing lines will carry. FEAT callers add the leading space (RFC 2389 §3.2).
 */
export function formatMlstFeature(enabled: ReadonlySet<MlstFact>, offered: ReadonlySet<MlstFact> = defaultMlstFacts): string {
  const facts = supportedMlstFacts.filter((fact) => offered.has(fact)).map((fact) => `${wireName[fact]}${enabled.has(fact) ? '*' : ''};`);
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
