import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext } from '../session/command-context.ts';
import { isLoggedIn } from '../session/define-command.ts';

/** The SITE HELP line of CHMOD, for a session whose storage can set modes. */
export function siteChmodHelp(context: CommandContext): string[] {
  return context.state.storage?.setMode === undefined ? [] : ['CHMOD <mode> <pathname>'];
}

/**
 * SITE CHMOD <mode> <pathname> (as vsftpd and proftpd take it): the permission bits, in octal, of a file or directory,
 * on a storage that has modes (`setMode`), for a user granted `chmod`. Only the bits 0 to 777: setuid, setgid and the
 * sticky bit are refused, since a user's upload must never become a program that runs as its owner.
 */
export async function siteChmod(context: CommandContext, argument: string): Promise<void> {
  if (!isLoggedIn(context)) throw new ReplyError(ReplyCode.NotLoggedIn, 'Please login with USER and PASS.');
  const storage = context.storage();
  const setMode = storage.setMode;
  if (setMode === undefined) throw new ReplyError(ReplyCode.CommandNotImplemented, 'SITE CHMOD is not supported by this storage.');
  const match = /^([0-7]{1,4})\s+(.+)$/.exec(argument.trim());
  if (match === null) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Syntax: SITE CHMOD <octal mode> <pathname>');
  const mode = Number.parseInt(match[1]!, 8);
  if (mode > 0o777) {
    throw new ReplyError(
      ReplyCode.SyntaxErrorInArguments,
      'Only the permission bits 0 to 777 can be set (no setuid, setgid or sticky bit).',
    );
  }
  const path = context.resolvePath(match[2]!);
  context.requirePermission('chmod', path);
  await setMode.call(storage, path, mode, context.callOptions());
  context.reply(ReplyCode.CommandOkay, 'SITE CHMOD command successful.');
}
