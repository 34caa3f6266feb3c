import type { FileEntry, StorageSessionV1 } from '@ftp/plugin-api';
import { baseMlstFacts, defaultMlstFacts, mlstFactsOf, type MlstFact } from '@ftp/protocol';
import type { CommandContext } from '../session/command-context.ts';

/**
 * The MLST facts each storage session has shown (RFC 3659 §7.8: FEAT offers the facts the server supports), learnt
 * from the entries the server gets from it: the first one sets the base facts and those it has, and each later one
 * adds those it has. The v1 storage contract has no place where a connector could declare them, and one storage can
 * mix entries with and without them: a tree of mounts has a disk (an inode and permission bits for everything) next
 * to S3 (nothing). So the set only grows, and an entry without a fact leaves it out of its line (RFC 3659 §7.5).
 * Weak, so the facts go with the storage session.
 */
const learntFacts = new WeakMap<StorageSessionV1, Set<MlstFact>>();

/** The facts this session offers: those its storage has shown, or only the base facts before login or before it showed one. */
export function offeredMlstFacts(context: CommandContext): ReadonlySet<MlstFact> {
  const storage = context.state.storage;
  return (storage === undefined ? undefined : learntFacts.get(storage)) ?? baseMlstFacts;
}

/**
 * Adds the facts of `entry`, an entry the command got from the storage anyway, to those the storage has shown. Fit to
 * be called for every entry of a listing: it allocates nothing after the first entry, and once every supported fact
 * is known it does not look at the entry.
 */
export function noteMlstFacts(context: CommandContext, entry: FileEntry): void {
  const storage = context.state.storage;
  if (storage === undefined) return;
  const facts = learntFacts.get(storage);
  if (facts === undefined) {
    learntFacts.set(storage, mlstFactsOf(entry));
    return;
  }
  if (facts.size === defaultMlstFacts.size) return;
  // The optional facts as `mlstFactsOf` reads them, without the set it would make for each entry.
  if (entry.uniqueId !== undefined) facts.add('unique');
  if (entry.mode !== undefined) facts.add('unix.mode');
}

/**
 * For FEAT and OPTS MLST, which have no entry at hand: after login, learns the storage's facts with a stat of "/" when
 * no entry showed them yet. A failed stat leaves them unknown (the base facts are offered) to be learnt next time.
 */
export async function learnMlstFacts(context: CommandContext): Promise<void> {
  const storage = context.state.storage;
  if (storage === undefined || learntFacts.has(storage)) return;
  try {
    noteMlstFacts(context, await storage.stat('/', context.callOptions()));
  } catch (error) {
    context.logger.debug({ err: error }, 'could not stat "/" to learn the MLST facts of the storage');
  }
}

/** The facts MLSD and MLST write: those the client selected (all by default; OPTS MLST) that the storage has shown. */
export function writtenMlstFacts(context: CommandContext): ReadonlySet<MlstFact> {
  const offered = offeredMlstFacts(context);
  const selected = context.state.mlstFacts;
  return new Set([...offered].filter((fact) => selected.has(fact)));
}
