import { randomBytes } from 'node:crypto';
import { StorageError } from '@ftp/plugin-api';
import { baseName, formatMachineTime, joinVirtualPath, parentPath, parseMachineTime, ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext, LoggedInCommandContext } from '../session/command-context.ts';
import { capabilityOf, defineCommand } from '../session/define-command.ts';
import { fileSize } from '../limits/quota-accounts.ts';
import { SessionQuota, type QuotaScope } from '../limits/session-quota.ts';
import { throttle } from '../limits/rate-limiter.ts';
import { sendToClient } from './transfer.ts';
import { requireDirectory, requireFile, requireMovableDirectory, requireStaysUnreadable } from './path-checks.ts';
import { checkUploadTarget, runUpload } from './upload.ts';
import { checkBeforeUpload } from './before-upload.ts';
import { checkRangeUpload, fillingRange, firstBytes, parseTransferRange, rangeEndIn, resetRange } from './byte-range.ts';
import type { TransferRange } from '../session/session-state.ts';

/** The size of the file RETR reads from a point (REST or RANG), refusing a directory (550) before 150. */
async function fileSizeForRead(context: CommandContext, path: string): Promise<number> {
  const entry = await context.storage().stat(path, context.callOptions());
  if (entry.type === 'directory') throw new StorageError('EISDIR', 'is a directory', { path });
  return entry.size;
}

/** The file's size for REST+RETR, refusing a directory (550) and an offset beyond the end (554) before 150. */
async function sizeForResume(context: CommandContext, path: string, offset: number): Promise<number> {
  const size = await fileSizeForRead(context, path);
  if (offset > size) throw new ReplyError(ReplyCode.InvalidRestartPoint, `Restart offset ${offset} is beyond the end of the file.`);
  return size;
}

/** For a connector whose `read` reports no size: stat, so the 150 reply still announces it (none if stat fails). */
function announcedSize(context: CommandContext, path: string): Promise<number | undefined> {
  return context
    .storage()
    .stat(path, context.callOptions())
    .then(
      (entry) => entry.size,
      () => undefined,
    );
}

/** What RETR sends: the file from `offset`, only `length` bytes of it for a range; `size` is the file's, if known yet. */
interface ReadSpan {
  readonly offset: number;
  readonly length?: number;
  readonly size?: number | undefined;
}

/**
 * RETR's transfer of `span`. `countText` ends the 150 with the byte count, given the file's size as known once it is
 * open (the span's, else the storage's read, else a stat).
 */
async function sendFile(
  context: LoggedInCommandContext,
  path: string,
  span: ReadSpan,
  countText: (size: number | undefined) => string,
): Promise<void> {
  const storage = context.storage();
  const limiters = context.limits.limitersFor(context.state.user.username, 'download');
  const ascii = context.state.transferType === 'A';
  let size = span.size;
  await sendToClient(context, {
    command: 'RETR',
    path,
    ascii,
    emitDownload: true,
    openingText: () => `Opening ${ascii ? 'ASCII' : 'BINARY'} mode data connection for ${baseName(path)}${countText(size)}.`,
    // A throttled download is sent in slices of each chunk, so a chunk's buffer is not free after one write: the
    // pool is only lent when the chunks go to the socket whole.
    openSource: async (signal, bufferPool) => {
      const source = await storage.read(path, { offset: span.offset, signal, ...(limiters.length === 0 ? { bufferPool } : {}) });
      size ??= source.size ?? (await announcedSize(context, path));
      return throttle(span.length === undefined ? source : firstBytes(source, span.length), limiters, signal);
    },
  });
}

/** RANG+STOR: the data written from the range's start, where `checkRangeUpload` says the storage can keep the rest. */
async function storeRange(context: LoggedInCommandContext, path: string, range: TransferRange): Promise<void> {
  const existing = await checkUploadTarget(context, path);
  checkRangeUpload(range, existing?.size);
  const storage = context.storage();
  await checkBeforeUpload(context, 'STOR', path);
  await runUpload(context, {
    command: 'STOR',
    path,
    existing,
    creditBytes: existing === undefined ? 0 : existing.size - range.first,
    inPlace: range.first > 0,
    openingText: `Ok to send bytes ${range.first}-${range.last} of ${baseName(path)}.`,
    completionText: 'Transfer complete.',
    // A storage that cannot resume refuses an offset with ENOTSUP, which is 504 like every storage refusal of one.
    write: (data, signal) => storage.write(path, fillingRange(data, range), { offset: range.first, signal }),
  });
}

/** APPE and STOU write where the file's end or the server says, never at a range: 503, and the range is used up. */
function refuseRange(context: CommandContext, verb: string): void {
  if (context.takeTransferRange() === undefined) return;
  throw new ReplyError(ReplyCode.BadSequence, `A byte range (RANG) applies to RETR, STOR and HASH, not to ${verb}; the range is reset.`);
}

/** RETR, STOR, STOU, APPE, DELE, RNFR, RNTO, SIZE, MDTM, MFMT, REST, RANG, ALLO. */
export const fileCommands = [
  defineCommand({
    verb: 'RETR',
    requiresLogin: true,
    opensDataConnection: true,
    argument: 'required',
    syntax: 'RETR <sp> pathname',
    async handle(context, argument) {
      const range = context.takeTransferRange();
      const path = context.resolvePath(argument);
      context.requirePermission('download', path);
      if (range !== undefined) {
        // RANG: exactly the range's bytes, checked against the file before any data channel opens. "(n bytes)" last,
        // as clients read it from a 150 (Python's ftplib, for one), counts the range's bytes.
        const size = await fileSizeForRead(context, path);
        const length = rangeEndIn(range, size) - range.first;
        return sendFile(
          context,
          path,
          { offset: range.first, length, size },
          () => `, bytes ${range.first}-${range.last} (${length} bytes)`,
        );
      }
      // A resume is checked against the file before any data channel opens (RFC 3659 §5.4: 554). Without REST the
      // storage's read refuses a missing file or a directory itself (the contract asks it to), so no stat is made.
      const offset = context.state.restartOffset;
      const size = offset > 0 ? await sizeForResume(context, path, offset) : undefined;
      await sendFile(context, path, { offset, size }, (known) => (known === undefined ? '' : ` (${known - offset} bytes)`));
    },
  }),
  defineCommand({
    verb: 'STOR',
    requiresLogin: true,
    opensDataConnection: true,
    argument: 'required',
    syntax: 'STOR <sp> pathname',
    async handle(context, argument) {
      const range = context.takeTransferRange();
      const path = context.resolvePath(argument);
      if (range !== undefined) return storeRange(context, path, range);
      const offset = context.state.restartOffset;
      const existing = await checkUploadTarget(context, path);
      if (offset > 0 && (existing === undefined || offset > existing.size)) {
        throw new ReplyError(ReplyCode.InvalidRestartPoint, `Restart offset ${offset} is beyond the end of the file.`);
      }
      const storage = context.storage();
      await checkBeforeUpload(context, 'STOR', path);
      await runUpload(context, {
        command: 'STOR',
        path,
        existing,
        // A replace frees the old content; a resume (REST) keeps the first `offset` bytes of it.
        creditBytes: existing === undefined ? 0 : existing.size - offset,
        inPlace: offset > 0,
        openingText: `Ok to send data for ${baseName(path)}.`,
        completionText: 'Transfer complete.',
        write: (data, signal) => storage.write(path, data, { offset, signal }),
      });
    },
  }),
  defineCommand({
    verb: 'STOU',
    requiresLogin: true,
    opensDataConnection: true,
    argument: 'optional',
    syntax: 'STOU [<sp> pathname]',
    async handle(context, argument) {
      refuseRange(context, 'STOU');
      const base = argument.trim() === '' ? joinVirtualPath(context.state.currentDirectory, 'file') : context.resolvePath(argument);
      context.requirePermission('upload', base);
      await requireDirectory(context, parentPath(base));
      // RFC 1123 §4.1.2.9: the name is chosen by the server and announced in the 150 reply.
      const path = `${base}.${randomBytes(4).toString('hex')}`;
      const storage = context.storage();
      await checkBeforeUpload(context, 'STOU', path);
      await runUpload(context, {
        command: 'STOU',
        path,
        existing: undefined,
        creditBytes: 0,
        inPlace: false,
        openingText: `FILE: ${baseName(path)}`,
        completionText: `Transfer complete (unique file name: ${baseName(path)}).`,
        write: (data, signal) => storage.write(path, data, { offset: 0, exclusive: true, signal }),
      });
    },
  }),
  defineCommand({
    verb: 'APPE',
    requiresLogin: true,
    opensDataConnection: true,
    argument: 'required',
    requiresCapability: 'append',
    syntax: 'APPE <sp> pathname',
    async handle(context, argument) {
      refuseRange(context, 'APPE');
      const path = context.resolvePath(argument);
      const existing = await checkUploadTarget(context, path);
      const storage = context.storage();
      await checkBeforeUpload(context, 'APPE', path);
      await runUpload(context, {
        command: 'APPE',
        path,
        existing,
        creditBytes: 0,
        inPlace: true,
        openingText: `Ok to append data to ${baseName(path)}.`,
        completionText: 'Transfer complete.',
        write: (data, signal) => capabilityOf(storage, 'append')(path, data, { signal }),
      });
    },
  }),
  defineCommand({
    verb: 'DELE',
    requiresLogin: true,
    argument: 'required',
    syntax: 'DELE <sp> pathname',
    async handle(context, argument) {
      const path = context.resolvePath(argument);
      context.requirePermission('delete', path);
      const scope = context.state.quota?.scopeOf(path);
      const size = scope === undefined ? undefined : await fileSize(context.storage(), path, context.callOptions());
      await context.storage().delete(path, context.callOptions());
      await scope?.account.removed(size);
      context.emit('delete', { path });
      context.reply(ReplyCode.FileActionOkay, 'File deleted.');
    },
  }),
  defineCommand({
    verb: 'RNFR',
    requiresLogin: true,
    argument: 'required',
    requiresCapability: 'rename',
    syntax: 'RNFR <sp> pathname',
    async handle(context, argument) {
      const path = context.resolvePath(argument);
      context.requirePermission('rename', path);
      if (path === '/') throw new ReplyError(ReplyCode.FileUnavailable, 'Cannot rename the root directory.');
      const entry = await context.storage().stat(path, context.callOptions());
      requireMovableDirectory(context, entry, path);
      context.beginRename(path);
      context.reply(ReplyCode.FileActionPending, 'Ready for RNTO.');
    },
  }),
  defineCommand({
    verb: 'RNTO',
    requiresLogin: true,
    argument: 'required',
    requiresCapability: 'rename',
    mustFollow: 'RNFR',
    syntax: 'RNTO <sp> pathname',
    async handle(context, argument) {
      const from = context.takeRenameSource();
      const to = context.resolvePath(argument);
      if (to === '/' || to === from || to.startsWith(`${from}/`)) {
        throw new ReplyError(ReplyCode.FileNameNotAllowed, 'Cannot rename to that name.');
      }
      context.requirePermission('rename', to);
      requireStaysUnreadable(context, from, to);
      const replaced = await fileSize(context.storage(), to, context.callOptions());
      // Renaming onto a file replaces its content, as STOR over it would: it takes the same overwrite permission.
      if (replaced !== undefined) context.requirePermission('overwrite', to);
      const source = context.state.quota?.scopeOf(from);
      const target = context.state.quota?.scopeOf(to);
      if (SessionQuota.sameAccount(source, target)) {
        await capabilityOf(context.storage(), 'rename')(from, to, context.callOptions());
        // Renaming over a file removes it: the quota usage loses that file.
        await target?.account.removed(replaced);
      } else {
        await moveBetweenAccounts(context, { from, to, replaced, source, target });
      }
      context.emit('rename', { from, to });
      context.reply(ReplyCode.FileActionOkay, 'Rename successful.');
    },
  }),
  defineCommand({
    verb: 'SIZE',
    requiresLogin: true,
    argument: 'required',
    feature: 'SIZE',
    syntax: 'SIZE <sp> pathname',
    async handle(context, argument) {
      // RFC 3659 §4: the size of a file; we report the stored size in both TYPE A and TYPE I, as vsftpd does.
      const entry = await requireFile(context, context.resolvePath(argument));
      context.reply(ReplyCode.FileStatus, String(entry.size));
    },
  }),
  defineCommand({
    verb: 'MDTM',
    requiresLogin: true,
    argument: 'required',
    feature: 'MDTM',
    syntax: 'MDTM <sp> pathname',
    async handle(context, argument) {
      const entry = await requireFile(context, context.resolvePath(argument));
      context.reply(ReplyCode.FileStatus, formatMachineTime(entry.modifiedAt));
    },
  }),
  defineCommand({
    verb: 'MFMT',
    requiresLogin: true,
    argument: 'required',
    requiresCapability: 'setModifiedTime',
    feature: 'MFMT',
    syntax: 'MFMT <sp> YYYYMMDDHHMMSS <sp> pathname',
    async handle(context, argument) {
      // draft-somers-ftp-mfxx §3: "MFMT time path"; the reply repeats the time that was set.
      const match = /^(\S+) (.+)$/.exec(argument);
      const time = match === null ? undefined : parseMachineTime(match[1]!);
      if (match === null || time === undefined)
        throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Syntax: MFMT YYYYMMDDHHMMSS pathname');
      const path = context.resolvePath(match[2]!);
      context.requirePermission('setModifiedTime', path);
      await capabilityOf(context.storage(), 'setModifiedTime')(path, time, context.callOptions());
      context.reply(ReplyCode.FileStatus, `Modify=${formatMachineTime(time)}; ${match[2]!}`);
    },
  }),
  defineCommand({
    verb: 'REST',
    requiresLogin: true,
    argument: 'required',
    feature: 'REST STREAM',
    syntax: 'REST <sp> byte-offset',
    handle(context, argument) {
      // RFC 3659 §5: in stream mode the marker is a decimal byte offset.
      if (!/^\d{1,15}$/.test(argument.trim())) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'REST requires a byte offset.');
      const offset = Number(argument.trim());
      context.setRestartOffset(offset);
      context.reply(ReplyCode.FileActionPending, `Restarting at ${offset}. Send STOR or RETR.`);
    },
  }),
  defineCommand({
    verb: 'RANG',
    requiresLogin: true,
    argument: 'required',
    feature: 'RANG STREAM',
    syntax: 'RANG <sp> start-point <sp> end-point',
    handle(context, argument) {
      // draft-bryan-ftp-range: the range lasts until the next RETR, STOR or HASH takes it, or RANG 1 0 resets it; a REST
      // after it replaces it, and it replaces a REST before it (REST lasts one command, and this is the next).
      const range = parseTransferRange(argument);
      if (range === resetRange) {
        context.setTransferRange(undefined);
        context.reply(ReplyCode.FileActionPending, 'Byte range reset.');
        return;
      }
      context.setTransferRange(range);
      context.reply(ReplyCode.FileActionPending, `Restarting at ${range.first}. End byte range at ${range.last}.`);
    },
  }),
  defineCommand({
    verb: 'ALLO',
    requiresLogin: true,
    argument: 'optional',
    syntax: 'ALLO <sp> decimal-integer',
    handle(context) {
      // RFC 959 §4.1.3: servers that need no allocation treat ALLO as NOOP (202).
      context.reply(ReplyCode.CommandNotImplementedSuperfluous, 'ALLO not needed.');
    },
  }),
];

/** An RNTO whose source and target count in different quota accounts. */
interface MoveBetweenAccounts {
  readonly from: string;
  readonly to: string;
  /** The size of the file the move replaces, or undefined when there is none. */
  readonly replaced: number | undefined;
  readonly source: QuotaScope | undefined;
  readonly target: QuotaScope | undefined;
}

/**
 * RNTO into or out of a quota folder: the file's size leaves the source's account and enters the target's, whose limits
 * it must fit before anything moves (552, as an upload of it would get). Once the rename ended, whatever happened to
 * it, each account takes the real change from the storage, as an upload's does. A directory would carry files the
 * accounts cannot see without walking it, so it does not move between accounts (553).
 */
async function moveBetweenAccounts(context: LoggedInCommandContext, move: MoveBetweenAccounts): Promise<void> {
  const { from, to, replaced, source, target } = move;
  const storage = context.storage();
  const entry = await storage.stat(from, context.callOptions());
  if (entry.type === 'directory') {
    throw new ReplyError(ReplyCode.FileNameNotAllowed, 'Cannot move a directory into or out of a quota folder.');
  }
  const reservation = target === undefined ? undefined : await target.account.beginUpload(target.limits, to, replaced === undefined);
  try {
    await reservation?.reserveBytes(entry.size - (replaced ?? 0), to);
    await capabilityOf(storage, 'rename')(from, to, context.callOptions());
  } finally {
    const [sourceAfter, targetAfter] = await Promise.all([
      fileSize(storage, from, context.callOptions()).catch(() => entry.size),
      fileSize(storage, to, context.callOptions()).catch(() => replaced),
    ]);
    reservation?.settle(replaced, targetAfter);
    if (sourceAfter === undefined) await source?.account.removed(entry.size);
  }
}
