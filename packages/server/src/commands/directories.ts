import { ReplyCode, parentPath, quotePath } from '@ftp/protocol';
import type { CommandContext } from '../session/command-context.ts';
import { ReplyError } from '../errors/server-errors.ts';
import { defineCommand } from '../session/define-command.ts';
import { requireDirectory } from './path-checks.ts';

/** PWD, CWD, CDUP, MKD, RMD and their RFC 775 X* aliases. */
export const directoryCommands = [
  defineCommand({
    verb: 'PWD',
    aliases: ['XPWD'],
    requiresLogin: true,
    argument: 'none',
    syntax: 'PWD',
    handle(context) {
      // RFC 959 Appendix II: 257 with the path quoted, embedded quotes doubled.
      context.reply(ReplyCode.PathCreated, `${quotePath(context.state.currentDirectory)} is the current directory.`);
    },
  }),
  defineCommand({
    verb: 'CWD',
    aliases: ['XCWD'],
    requiresLogin: true,
    argument: 'required',
    syntax: 'CWD <sp> pathname',
    handle: (context, argument) => enterDirectory(context, context.resolvePath(argument)),
  }),
  defineCommand({
    verb: 'CDUP',
    aliases: ['XCUP'],
    requiresLogin: true,
    argument: 'none',
    syntax: 'CDUP',
    // RFC 959 §4.1.1: CDUP answers like CWD (200 or 250); we use 250 as CWD does.
    handle: (context) => enterDirectory(context, parentPath(context.state.currentDirectory)),
  }),
  defineCommand({
    verb: 'MKD',
    aliases: ['XMKD'],
    requiresLogin: true,
    argument: 'required',
    syntax: 'MKD <sp> pathname',
    async handle(context, argument) {
      const path = context.resolvePath(argument);
      context.requirePermission('makeDirectory', path);
      if (path === '/') throw new ReplyError(ReplyCode.FileUnavailable, 'Cannot create the root directory.');
      await context.storage().makeDirectory(path, context.callOptions());
      context.emit('mkdir', { path });
      context.reply(ReplyCode.PathCreated, `${quotePath(path)} directory created.`);
    },
  }),
  defineCommand({
    verb: 'RMD',
    aliases: ['XRMD'],
    requiresLogin: true,
    argument: 'required',
    syntax: 'RMD <sp> pathname',
    async handle(context, argument) {
      const path = context.resolvePath(argument);
      context.requirePermission('delete', path);
      if (path === '/') throw new ReplyError(ReplyCode.FileUnavailable, 'Cannot remove the root directory.');
      await context.storage().removeDirectory(path, context.callOptions());
      context.emit('rmdir', { path });
      context.reply(ReplyCode.FileActionOkay, 'Directory removed.');
    },
  }),
];

async function enterDirectory(context: CommandContext, path: string): Promise<void> {
  await requireDirectory(context, path);
  context.changeDirectory(path);
  context.reply(ReplyCode.FileActionOkay, `Directory changed to ${quotePath(path)}.`);
}
