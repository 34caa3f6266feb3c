import { checksumAlgorithms, type ChecksumAlgorithm } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext, LoggedInCommandContext } from '../session/command-context.ts';
import { defineCommand } from '../session/define-command.ts';
import { rangeEndIn } from './byte-range.ts';
import { checksumOfRange, type ByteRange, type RangeChecksum } from './content-checksum.ts';
import { requireFile } from './path-checks.ts';

/**
 * The FEAT line of HASH (draft-bryan-ftpext-hash-02 §3.1): every algorithm, separated by ";", the selected one marked
 * with "*".
 */
function hashFeature(context: CommandContext): string {
  const selected = context.state.hashAlgorithm;
  return `HASH ${checksumAlgorithms.map((algorithm) => (algorithm === selected ? `${algorithm}*` : algorithm)).join(';')}`;
}

/**
 * OPTS HASH [algorithm] (draft-bryan-ftpext-hash-02 §3.2): without an argument, names the selected algorithm; with
 * one, selects it (names are matched without regard to case, as proftpd does) and names it; an unknown one is 501
 * and leaves the selection as it was.
 */
export function optsHash(context: CommandContext, value: string): void {
  const asked = value.trim();
  if (asked === '') {
    context.reply(ReplyCode.CommandOkay, context.state.hashAlgorithm);
    return;
  }
  const algorithm = checksumAlgorithms.find((name) => name.toUpperCase() === asked.toUpperCase());
  if (algorithm === undefined) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Unknown algorithm, current selection not changed.');
  context.selectHashAlgorithm(algorithm);
  context.reply(ReplyCode.CommandOkay, algorithm);
}

/** Checks the file at `path` and hashes the range `asked` picks from its size: the work of every verb here. */
async function checksumOf(
  context: LoggedInCommandContext,
  path: string,
  algorithm: ChecksumAlgorithm,
  asked: (size: number) => ByteRange,
): Promise<RangeChecksum> {
  context.requirePermission('download', path);
  const entry = await requireFile(context, path);
  const range = asked(entry.size);
  const wholeFile = range.start === 0 && range.end === entry.size;
  return checksumOfRange(context.storage(), path, algorithm, range, wholeFile, context.callOptions().signal);
}

/**
 * The argument of XCRC, XMD5 and XSHA*: "pathname [start end]", the path in double quotes when it has spaces or ends
 * in numbers ("my file 2" 0 100). Start and end are byte offsets, end excluded, as proftpd's mod_digest reads them.
 */
function parseLegacyArgument(argument: string): { readonly pathname: string; readonly range: ByteRange | undefined } {
  const match = /^(?:"([^"]+)"|(.+?))(?:\s+(\d{1,15})\s+(\d{1,15}))?$/.exec(argument.trim());
  const pathname = match?.[1] ?? match?.[2];
  if (match === null || pathname === undefined) {
    throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Syntax: pathname [start end]');
  }
  if (match[3] === undefined) return { pathname, range: undefined };
  return { pathname, range: { start: Number(match[3]), end: Number(match[4]) } };
}

/** A legacy checksum verb: 250 and the digest in upper-case hex, as Serv-U and proftpd answer them. */
function legacyChecksumCommand(verb: string, algorithm: ChecksumAlgorithm, aliases: readonly string[] = []) {
  return defineCommand({
    verb,
    aliases,
    requiresLogin: true,
    argument: 'required',
    feature: verb,
    syntax: `${verb} <sp> pathname [<sp> start <sp> end]`,
    async handle(context, argument) {
      const { pathname, range } = parseLegacyArgument(argument);
      const result = await checksumOf(context, context.resolvePath(pathname), algorithm, (size) => {
        if (range === undefined) return { start: 0, end: size };
        if (range.end <= range.start) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'The end must lie after the start.');
        if (range.end > size) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, `The end lies beyond the file's ${size} bytes.`);
        return range;
      });
      context.reply(ReplyCode.FileActionOkay, result.digest.toUpperCase());
    },
  });
}

/** HASH (draft-bryan-ftpext-hash-02; OPTS HASH is `optsHash`) and the older XCRC, XMD5, XSHA1, XSHA256, XSHA512. */
export const checksumCommands = [
  defineCommand({
    verb: 'HASH',
    requiresLogin: true,
    argument: 'required',
    feature: hashFeature,
    syntax: 'HASH <sp> pathname',
    async handle(context, argument) {
      const algorithm = context.state.hashAlgorithm;
      // A RANG range before HASH hashes that range, which must lie in the file (draft-bryan-ftpext-hash-02 §3.3); a
      // REST offset hashes from there to the end. The reply names the range that was hashed.
      const range = context.takeTransferRange();
      const start = context.state.restartOffset;
      const result = await checksumOf(context, context.resolvePath(argument), algorithm, (size) => {
        if (range !== undefined) return { start: range.first, end: rangeEndIn(range, size) };
        if (start > size) throw new ReplyError(ReplyCode.InvalidRestartPoint, `Restart offset ${start} is beyond the end of the file.`);
        return { start, end: size };
      });
      // draft-bryan-ftpext-hash-02 §3.3: "213 <algorithm> <start>-<end> <hash> <pathname>", end excluded.
      context.reply(ReplyCode.FileStatus, `${algorithm} ${result.start}-${result.end} ${result.digest} ${argument}`);
    },
  }),
  legacyChecksumCommand('XCRC', 'CRC32'),
  legacyChecksumCommand('XMD5', 'MD5'),
  legacyChecksumCommand('XSHA1', 'SHA-1', ['XSHA']),
  legacyChecksumCommand('XSHA256', 'SHA-256'),
  legacyChecksumCommand('XSHA512', 'SHA-512'),
];
