import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext, LoggedInCommandContext } from '../session/command-context.ts';
import { capabilityOf, defineCommand, hasCapability } from '../session/define-command.ts';
import { requireDirectory } from './path-checks.ts';

/** The longest client name CLNT logs; the rest is cut, so a client cannot fill the log through it. */
const clientNameLimit = 200;

/**
 * AVBL has an answer where the storage knows its free space or a byte quota counts the tree (the user's, or a quota
 * folder's: then at least what the quota leaves is known, on S3 too). Before login neither is known, so FEAT leaves it
 * out; FEAT and the command read this one test, so they never disagree.
 */
function canAnswerAvbl(context: CommandContext): boolean {
  return (
    hasCapability(context.state.storage, 'freeSpace') ||
    (context.state.quota?.scopes().some((scope) => scope.limits.maxBytes !== undefined) ?? false)
  );
}

/**
 * What the byte quota of the account counting `path` leaves (maxBytes minus what the account's files take), or
 * undefined without one.
 */
async function quotaLeft(context: LoggedInCommandContext, path: string): Promise<number | undefined> {
  const scope = context.state.quota?.scopeOf(path);
  const maxBytes = scope?.limits.maxBytes;
  if (scope === undefined || maxBytes === undefined) return undefined;
  const usage = await scope.account.usage();
  return Math.max(0, maxBytes - usage.bytes);
}

/** AVBL and CLNT (draft-peterson-streamlined-ftp-command-extensions-10 §4 and §5). */
export const streamlinedCommands = [
  defineCommand({
    verb: 'AVBL',
    requiresLogin: true,
    argument: 'optional',
    feature: (context) => (canAnswerAvbl(context) ? 'AVBL' : undefined),
    syntax: 'AVBL [<sp> pathname]',
    async handle(context, argument) {
      if (!canAnswerAvbl(context)) throw new ReplyError(ReplyCode.CommandNotImplemented, 'AVBL is not supported by this storage.');
      // The directory asked, or the current one: what can still be stored there is the smaller of the storage's free
      // space and what the quota counting it leaves, whichever of the two is known.
      const path = context.resolvePath(argument.trim());
      context.requirePermission('list', path);
      const storage = context.storage();
      const free = hasCapability(storage, 'freeSpace') ? await capabilityOf(storage, 'freeSpace')(path, context.callOptions()) : undefined;
      // freeSpace refuses what is not a directory (ENOENT, ENOTDIR); without it, the same check is made here.
      if (free === undefined) await requireDirectory(context, path);
      const left = await quotaLeft(context, path);
      if (free === undefined && left === undefined) {
        throw new ReplyError(ReplyCode.CommandNotImplemented, 'AVBL is not supported for this directory.');
      }
      context.reply(ReplyCode.FileStatus, String(Math.min(free ?? Number.POSITIVE_INFINITY, left ?? Number.POSITIVE_INFINITY)));
    },
  }),
  defineCommand({
    verb: 'CLNT',
    requiresLogin: false,
    argument: 'required',
    feature: 'CLNT',
    syntax: 'CLNT <sp> client-name',
    handle(context, argument) {
      // Only logged, for whoever reads the logs to know which clients connect; it changes nothing.
      const client = argument
        .trim()
        .replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?')
        .slice(0, clientNameLimit);
      context.logger.info({ client }, 'client named itself');
      context.reply(ReplyCode.CommandOkay, 'Noted.');
    },
  }),
];
