import { StorageError, type FileEntry } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import { PermissionError, ReplyError } from '../errors/server-errors.ts';
import type { CommandContext, LoggedInCommandContext } from '../session/command-context.ts';

/** Stats `path` and refuses anything but a directory with ENOTDIR (550): CWD, an upload's parent, STOU's directory. */
export async function requireDirectory(context: CommandContext, path: string): Promise<FileEntry> {
  const entry = await context.storage().stat(path, context.callOptions());
  if (entry.type !== 'directory') throw new StorageError('ENOTDIR', 'not a directory', { path });
  return entry;
}

/** SIZE, MDTM and HASH are about files: a directory is 550 (RFC 3659 §4.2). */
export async function requireFile(context: CommandContext, path: string): Promise<FileEntry> {
  const entry = await context.storage().stat(path, context.callOptions());
  if (entry.type === 'directory') throw new ReplyError(ReplyCode.FileUnavailable, 'Not a regular file.');
  return entry;
}

/**
 * RNFR of a directory below which the user has directory permissions: they are set by path, so after a rename they
 * would no longer apply to what they protected (a `download: false` subdirectory would become readable under the new
 * name). Refused with 550 naming `rename`, whatever the rest of the rename would be.
 */
export function requireMovableDirectory(context: LoggedInCommandContext, entry: FileEntry, path: string): void {
  if (entry.type !== 'directory' || !context.state.effectiveUser.hasOverridesBelow(path)) return;
  throw new PermissionError('rename', 'permissions are set for directories inside it');
}

/** The permissions that read an entry: RETR (and HASH) its content, LIST/MLSD/MLST/STAT its names and facts. */
const readingPermissions = ['download', 'list'] as const;

/**
 * RNTO: an entry the user may not read where it is may only move where the user may not read it either (renamed
 * within its directory, or into another drop box); moving it anywhere else needs the reading permission at its
 * source, as RETR or LIST there would. Otherwise RNFR/RNTO and RETR together would read what RETR alone may not.
 */
export function requireStaysUnreadable(context: LoggedInCommandContext, from: string, to: string): void {
  const user = context.state.effectiveUser;
  for (const permission of readingPermissions) {
    if (!user.allows(permission, from) && user.allows(permission, to)) {
      throw new PermissionError(permission, `needed to move an entry out of where ${permission} is denied`);
    }
  }
}
