import type { StorageSessionV1 } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext, LoggedInCommandContext, OfferedCommands } from './command-context.ts';

/** Optional storage methods a command may need; a session whose storage lacks it answers 502 (RFC 959 §4.2). */
export type StorageCapability = 'append' | 'rename' | 'setModifiedTime' | 'checksum' | 'freeSpace';

/** What every command's table entry says, whether or not it requires login. */
interface CommandSpecBase {
  /** Upper-case FTP verb. */
  readonly verb: string;
  /** Other verbs that run the same command (RFC 775 X* forms such as XPWD). */
  readonly aliases?: readonly string[];
  /** 'required' answers 501 to an empty argument; 'none' and 'optional' accept what comes (an argument to 'none' is ignored, as vsftpd does). */
  readonly argument: 'none' | 'optional' | 'required';
  /**
   * The command transfers over the data connection that PASV/EPSV/PORT/EPRT prepared. If it fails before the transfer
   * starts (550 for a missing file), the prepared connection is dropped too, so a stale one never serves a later command.
   */
  readonly opensDataConnection?: boolean;
  /** Only ABOR, STAT and QUIT run while a transfer is in progress; other commands wait for it (RFC 959 §4.1.3). */
  readonly allowedDuringTransfer?: boolean;
  /** The command needs this optional storage method: 502 and no FEAT line without it. */
  readonly requiresCapability?: StorageCapability;
  /** The command must directly follow another: RNTO after RNFR (RFC 959 §4.1.3), PASS after USER. */
  readonly mustFollow?: 'RNFR' | 'USER';
  /**
   * Whether this server offers the command at all (AUTH, PBSZ, PROT only with a certificate). Unavailable commands
   * answer 502 and are left out of FEAT and HELP.
   */
  readonly available?: (context: CommandContext) => boolean;
  /** The FEAT line this command adds (RFC 2389 §3.2), computed from the session when it depends on it. */
  readonly feature?: string | ((context: CommandContext) => string | undefined);
  /** HELP text, e.g. "RETR <sp> pathname". */
  readonly syntax: string;
}

/** A command that runs before login as well (USER, PASS, FEAT, AUTH, …). */
export interface OpenCommandSpec extends CommandSpecBase {
  readonly requiresLogin: false;
  readonly handle: (context: CommandContext, argument: string) => Promise<void> | void;
}

/** A command that answers 530 unless a user is logged in; its handler gets the logged-in context. */
export interface LoginCommandSpec extends CommandSpecBase {
  readonly requiresLogin: true;
  readonly handle: (context: LoggedInCommandContext, argument: string) => Promise<void> | void;
}

/** One FTP verb: how the dispatcher guards it and what it does. */
export type CommandSpec = OpenCommandSpec | LoginCommandSpec;

/**
 * The command table as the session uses it: the dispatcher looks each verb up here. `commands/registry.ts` builds the
 * standard one; the session knows only this interface, so it never depends on the command families.
 */
export interface CommandTable extends OfferedCommands {
  get(verb: string): CommandSpec | undefined;
}

/** Identity function that gives type checking and one place to add defaults later. */
export function defineCommand(spec: CommandSpec): CommandSpec {
  return Object.freeze(spec);
}

/** True when the storage session implements the optional method. */
export function hasCapability(storage: StorageSessionV1 | undefined, capability: StorageCapability): boolean {
  return storage !== undefined && typeof storage[capability] === 'function';
}

/**
 * The optional storage method a command flagged with `requiresCapability` needs, bound to its session. The dispatcher
 * answered 502 before the handler ran if the session lacks it, so this finds it; the check keeps that true by
 * construction rather than by a non-null assertion.
 */
export function capabilityOf<Capability extends StorageCapability>(
  storage: StorageSessionV1,
  capability: Capability,
): NonNullable<StorageSessionV1[Capability]> {
  const method = storage[capability];
  if (typeof method !== 'function') throw new ReplyError(ReplyCode.CommandNotImplemented, 'Not supported by this storage.');
  return method.bind(storage) as NonNullable<StorageSessionV1[Capability]>;
}

/** True in a logged-in session, whose context then gives the user and the storage without checks. */
export function isLoggedIn(context: CommandContext): context is LoggedInCommandContext {
  const { state } = context;
  return state.user !== undefined && state.effectiveUser !== undefined && state.storage !== undefined;
}
