import { Buffer } from 'node:buffer';
import { StorageError, type FileEntry, type StorageSessionV1, type UserPermissions } from '@ftp/plugin-api';
import {
  baseName,
  createListLineEncoder,
  createListLineFormatter,
  createMlsxLineEncoder,
  formatMlsxLine,
  formatMlstFeature,
  formatNlstLine,
  joinVirtualPath,
  parentPath,
  parseListArguments,
  ReplyCode,
} from '@ftp/protocol';
import { linesInCharset } from '../encoding/listing-lines.ts';
import type { WireCharset } from '../encoding/wire-charset.ts';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext, LoggedInCommandContext } from '../session/command-context.ts';
import { defineCommand, hasCapability } from '../session/define-command.ts';
import { noteMlstFacts, offeredMlstFacts, writtenMlstFacts } from './mlst-facts.ts';
import { createNameMatcher, isNamePattern } from './name-pattern.ts';
import { sendToClient } from './transfer.ts';

/** STAT <directory> answers over the control connection; past this many entries it stops and says to use LIST. */
const statEntryLimit = 10_000;

/** Listing lines are sent in batches of about this many bytes: few writes, bounded memory for any directory size. */
const batchBytes = 64 * 1024;

/**
 * Listings are sorted by name, as C servers send them, in runs of at most this many entries: a directory up to this
 * size comes out wholly sorted, a larger one in sorted runs, so a listing never holds more than this many entries.
 */
const sortedRunEntries = 50_000;

type LineFormatter = (entry: FileEntry) => string;
/** Writes an entry's line and CRLF at `offset` and returns the offset after it, or -1 when `target` lacks the room. */
type LineEncoder = (entry: FileEntry, target: Buffer, offset: number) => number;

/** LIST, NLST, MLSD, MLST. STAT <path> uses `listOverControl` from here. */
export const listingCommands = [
  defineCommand({
    verb: 'LIST',
    requiresLogin: true,
    opensDataConnection: true,
    argument: 'optional',
    syntax: 'LIST [<sp> pathname]',
    handle(context, argument) {
      const owner = context.state.user.username;
      return listOverData(
        context,
        'LIST',
        parseListArguments(argument).path,
        createListLineEncoder({ now: new Date(), owner, group: owner }),
        true,
      );
    },
  }),
  defineCommand({
    verb: 'NLST',
    requiresLogin: true,
    opensDataConnection: true,
    argument: 'optional',
    syntax: 'NLST [<sp> pathname]',
    handle(context, argument) {
      const listed = parseListArguments(argument).path;
      // A pattern's names come with the directory as the client wrote it ("dir/*.txt" gives "dir/a.txt"), as glob
      // expansion gives them: `mget` retrieves each line as it is.
      const slash = listed.lastIndexOf('/');
      const prefix = slash !== -1 && isNamePattern(listed.slice(slash + 1)) ? listed.slice(0, slash + 1) : '';
      return listOverData(
        context,
        'NLST',
        listed,
        encoderOf((entry) => formatNlstLine(`${prefix}${entry.name}`)),
        true,
      );
    },
  }),
  defineCommand({
    verb: 'MLSD',
    requiresLogin: true,
    opensDataConnection: true,
    argument: 'optional',
    syntax: 'MLSD [<sp> pathname]',
    // FEAT learns the storage's facts first (`learnMlstFacts`): it offers the facts the session's entries have shown,
    // and each line carries those of them its entry has.
    feature: (context) => formatMlstFeature(context.state.mlstFacts, offeredMlstFacts(context)),
    async handle(context, argument) {
      const path = context.resolvePath(argument);
      context.requirePermission('list', path);
      const entry = await context.storage().stat(path, context.callOptions());
      noteMlstFacts(context, entry);
      // RFC 3659 §7.2.1: MLSD of something that is not a directory is a 501.
      if (entry.type !== 'directory') throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Not a directory; use MLST for a file.');
      await listOverData(context, 'MLSD', argument, mlsdEncoder(context, path), false);
    },
  }),
  defineCommand({
    verb: 'MLST',
    requiresLogin: true,
    argument: 'optional',
    syntax: 'MLST [<sp> pathname]',
    async handle(context, argument) {
      const path = context.resolvePath(argument);
      context.requirePermission('list', path);
      const entry = await context.storage().stat(path, context.callOptions());
      noteMlstFacts(context, entry);
      // RFC 3659 §7.2: one fact line, starting with a space, naming the full path.
      const line = ` ${mlsxLine(context, { ...entry, name: path }, path)}`;
      context.reply(ReplyCode.FileActionOkay, [`Listing ${path}`, line, 'End']);
    },
  }),
];

/**
 * The RFC 3659 "perm" fact (§7.5.5): each letter only when the command it stands for would pass the checks that
 * command makes for this user at `path` and the storage has it, so a client never offers what will be refused:
 * "w" and "a" are STOR and APPE over the file (upload and overwrite, as `checkUploadTarget` asks), "c" is STOR of a
 * new file in the directory, "f" is RNFR (never for a directory with permissions set inside it).
 */
function permFact(context: LoggedInCommandContext, entry: FileEntry, path: string): string {
  const user = context.state.effectiveUser;
  const allowed = (name: keyof UserPermissions) => user.allows(name, path);
  const storage = context.state.storage;
  let perm = '';
  if (entry.type === 'directory') {
    perm += 'e';
    if (allowed('list')) perm += 'l';
    if (allowed('upload')) perm += 'c';
    if (allowed('makeDirectory')) perm += 'm';
  } else {
    const canReplace = allowed('upload') && allowed('overwrite');
    if (allowed('download')) perm += 'r';
    if (canReplace) perm += 'w';
    if (canReplace && hasCapability(storage, 'append')) perm += 'a';
  }
  if (allowed('delete')) perm += 'd';
  if (allowed('rename') && hasCapability(storage, 'rename') && !hasPermissionsInside(context, entry, path)) perm += 'f';
  return perm;
}

/** A directory inside which the user has directory permissions: RNFR refuses it (`requireMovableDirectory`). */
function hasPermissionsInside(context: LoggedInCommandContext, entry: FileEntry, path: string): boolean {
  return entry.type === 'directory' && context.state.effectiveUser.hasOverridesBelow(path);
}

/**
 * The encoder of the MLSD line of each child of `directory`. Unless a directory override lies below it, every child
 * of one type has the same "perm" fact, so it is worked out once per type rather than once per entry.
 */
function mlsdEncoder(context: LoggedInCommandContext, directory: string): LineEncoder {
  const facts = writtenMlstFacts(context);
  const encode = createMlsxLineEncoder(facts);
  const withPerm = facts.has('perm');
  const uniform = !context.state.effectiveUser.hasOverridesBelow(directory);
  const permByType = new Map<FileEntry['type'], string>();
  return (child, target, offset) => {
    if (!withPerm) return encode(child, target, offset);
    if (!uniform) return encode(child, target, offset, permFact(context, child, joinVirtualPath(directory, child.name)));
    let perm = permByType.get(child.type);
    if (perm === undefined) {
      perm = permFact(context, child, joinVirtualPath(directory, child.name));
      permByType.set(child.type, perm);
    }
    return encode(child, target, offset, perm);
  };
}

function mlsxLine(context: LoggedInCommandContext, entry: FileEntry, path: string): string {
  return formatMlsxLine(entry, { facts: writtenMlstFacts(context), perm: permFact(context, entry, path) });
}

/**
 * Sends a listing over the data connection. The path is checked before 150 (550 for a missing one); a file lists as
 * itself (RFC 959 §4.1.3 LIST). Entries stream from the storage in sorted runs (`sortedRunEntries`) and go out in
 * batches, so a huge directory never sits in memory whole. With `expandsPattern` (LIST, NLST), a path that names
 * nothing and whose last segment is a pattern (`*.txt`, what `mget` sends) lists the names of its directory that the
 * pattern matches; patterns in other segments are names, and nothing recurses.
 */
async function listOverData(
  context: CommandContext,
  command: string,
  argument: string,
  encode: LineEncoder,
  expandsPattern: boolean,
): Promise<void> {
  const path = context.resolvePath(argument);
  const pattern = expandsPattern && path !== '/' && isNamePattern(baseName(path)) ? baseName(path) : undefined;
  // A pattern lists its directory: that is where the permission must hold (as it must for the path itself).
  context.requirePermission('list', pattern === undefined ? path : parentPath(path));
  const storage = context.storage();
  const charset = context.state.wireCharset;
  await sendToClient(context, {
    command,
    path,
    ascii: false, // listing lines are already CRLF-terminated (RFC 959 §4.1.3)
    emitDownload: false,
    openingText: () => 'Here comes the directory listing.',
    async openSource(signal) {
      const runs = sortedRunsByName(await entriesToList(storage, path, pattern, signal));
      return charset === undefined ? batchLines(runs, encode) : batchLinesInCharset(context, path, runs, encode, charset);
    },
  });
}

/**
 * `batchLines` for a session in a legacy charset (the `encoding` option, until OPTS UTF8 ON): entries whose names the
 * charset cannot carry are left out (see `linesInCharset`), and the listing logs how many.
 */
async function* batchLinesInCharset(
  context: CommandContext,
  path: string,
  runs: AsyncIterable<readonly FileEntry[]>,
  encode: LineEncoder,
  charset: WireCharset,
): AsyncGenerator<Uint8Array> {
  const lines = linesInCharset(encode, charset);
  try {
    yield* batchLines(runs, lines.encode);
  } finally {
    if (lines.skipped > 0) warnSkipped(context, path, charset, lines.skipped, lines.firstSkipped);
  }
}

function warnSkipped(context: CommandContext, path: string, charset: WireCharset, skipped: number, example: string | undefined): void {
  context.logger.warn(
    { path, charset: charset.name, skipped, example },
    'names the session charset cannot carry were left out of a listing (the client can list them after OPTS UTF8 ON)',
  );
}

/** What a listing of `path` shows; with a `pattern`, the matching entries of its directory when `path` names nothing. */
async function entriesToList(
  storage: StorageSessionV1,
  path: string,
  pattern: string | undefined,
  signal: AbortSignal,
): Promise<AsyncIterable<FileEntry>> {
  let entry: FileEntry;
  try {
    entry = await storage.stat(path, { signal });
  } catch (error) {
    if (pattern === undefined || !(StorageError.isInstance(error) && error.storageCode === 'ENOENT')) throw error;
    const directory = parentPath(path);
    // Refused before 150 like any missing path: the directory must be one.
    if ((await storage.stat(directory, { signal })).type !== 'directory') throw new StorageError('ENOTDIR', 'not a directory', { path });
    return matching(storage.list(directory, { signal }), createNameMatcher(pattern));
  }
  return entry.type === 'directory' ? storage.list(path, { signal }) : single({ ...entry, name: baseName(path) });
}

async function* matching(entries: AsyncIterable<FileEntry>, matches: (name: string) => boolean): AsyncGenerator<FileEntry> {
  for await (const entry of entries) if (matches(entry.name)) yield entry;
}

/** Orders names by code point, which is the byte order of their UTF-8 (strcmp's order in the C locale). */
function compareNames(left: FileEntry, right: FileEntry): number {
  const a = left.name;
  const b = right.name;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    let x = a.charCodeAt(index);
    let y = b.charCodeAt(index);
    if (x === y) continue;
    // UTF-16 puts U+E000-U+FFFF after the surrogates of U+10000 and up; code point order puts them before.
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/**
 * `entries` in runs of at most `sortedRunEntries`, each sorted by name. A run is handed on whole: yielding its entries
 * one by one would cost an asynchronous step per entry.
 */
async function* sortedRunsByName(entries: AsyncIterable<FileEntry>): AsyncGenerator<readonly FileEntry[]> {
  let run: FileEntry[] = [];
  for await (const entry of entries) {
    run.push(entry);
    if (run.length === sortedRunEntries) {
      yield run.sort(compareNames);
      run = [];
    }
  }
  if (run.length > 0) yield run.sort(compareNames);
}

async function* single(entry: FileEntry): AsyncGenerator<FileEntry> {
  yield entry;
}

/** The encoder of lines a formatter makes as strings (NLST). */
function encoderOf(format: LineFormatter): LineEncoder {
  return (entry, target, offset) => {
    const line = `${format(entry)}\r\n`;
    const room = target.length - offset;
    // Three bytes per UTF-16 unit at most: only a long line near the end of the batch needs its length counted.
    if (line.length * 3 > room && Buffer.byteLength(line) > room) return -1;
    return offset + target.write(line, offset);
  };
}

/**
 * The lines of `entries` in buffers of about `batchBytes`, each handed on when the next line does not fit (a line
 * longer than a whole batch gets a buffer of its own size). Every batch is a new buffer: the data connection may
 * still be writing the one before.
 */
async function* batchLines(runs: AsyncIterable<readonly FileEntry[]>, encode: LineEncoder): AsyncGenerator<Uint8Array> {
  let batch = Buffer.allocUnsafe(batchBytes);
  let filled = 0;
  for await (const run of runs) {
    for (const entry of run) {
      let end = encode(entry, batch, filled);
      if (end === -1) {
        if (filled > 0) yield batch.subarray(0, filled);
        let size = batchBytes;
        do {
          batch = Buffer.allocUnsafe(size);
          end = encode(entry, batch, 0);
          size *= 2;
        } while (end === -1);
      }
      filled = end;
    }
  }
  if (filled > 0) yield batch.subarray(0, filled);
}

/** STAT <path> (RFC 959 §4.1.3): the LIST lines over the control connection, 213 for a file, 212 for a directory. */
export async function listOverControl(context: LoggedInCommandContext, argument: string): Promise<void> {
  const path = context.resolvePath(parseListArguments(argument).path);
  context.requirePermission('list', path);
  const storage = context.storage();
  const entry = await storage.stat(path, context.callOptions());
  const owner = context.state.user.username;
  const format = createListLineFormatter({ now: new Date(), owner, group: owner });
  const lines = [`Status of ${path}:`];
  const entries = entry.type === 'directory' ? storage.list(path, context.callOptions()) : single({ ...entry, name: baseName(path) });
  const charset = context.state.wireCharset;
  let count = 0;
  let skipped = 0;
  let firstSkipped: string | undefined;
  runs: for await (const run of sortedRunsByName(entries)) {
    for (const child of run) {
      // As in a listing over the data connection: a name the session's charset cannot carry is left out.
      if (charset !== undefined && charset.encodeName(child.name) === undefined) {
        skipped++;
        firstSkipped ??= child.name;
        continue;
      }
      if (++count > statEntryLimit) {
        lines.push(`... more than ${statEntryLimit} entries; use LIST or MLSD for the rest.`);
        break runs;
      }
      lines.push(format(child));
    }
  }
  if (charset !== undefined && skipped > 0) warnSkipped(context, path, charset, skipped, firstSkipped);
  lines.push('End of status.');
  context.reply(entry.type === 'directory' ? ReplyCode.DirectoryStatus : ReplyCode.FileStatus, lines);
}
