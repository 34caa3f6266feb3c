import type { FileEntry, StorageSessionV1 } from '@ftp/plugin-api';
import { baseMlstFacts, mlstFactsOf, type MlstFact } from '@ftp/protocol';
import type { CommandContext } from '../session/command-context.ts';

/**
 * The MLST facts each storage session supplies (RFC 3659 §7.8: FEAT must offer only facts the listings carry), learnt
 * from the first entry the server gets from it. The v1 storage contract has no place where a connector could declare
 * them, and a connector supplies `mode` and `uniqueId` for all of its entries or for none: the file system has an
 * inode and permission bits for everything, S3 for nothing. Weak, so the facts go with the storage session.
 */
const learntFacts = new WeakMap<StorageSessionV1, ReadonlySet<MlstFact>>();

/** The facts this session offers: those its storage supplies, or only the base facts before login or before it showed one. */
export function offeredMlstFacts(context: CommandContext): ReadonlySet<MlstFact> {
  const storage = context.state.storage;
  return (storage === undefined ? undefined : learntFacts.get(storage)) ?? baseMlstFacts;
}

/** Learns the storage's facts from `entry`, an entry the command got from it anyway, unless they are known. */
export function noteMlstFacts(context: CommandContext, entry: FileEntry): void {
  const storage = context.state.storage;
  if (storage !== undefined && !learntFacts.has(storage)) learntFacts.set(storage, mlstFactsOf(entry));
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

/** The facts MLSD and MLST write: those the client selected (all by default; OPTS MLST) that the storage supplies. */
export function writtenMlstFacts(context: CommandContext): ReadonlySet<MlstFact> {
  const offered = offeredMlstFacts(context);
  const selected = context.state.mlstFacts;
  return new Set([...offered].filter((fact) => selected.has(fact)));
}
