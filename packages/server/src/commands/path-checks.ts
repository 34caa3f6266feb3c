import { StorageError, type FileEntry } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext } from '../session/command-context.ts';

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
