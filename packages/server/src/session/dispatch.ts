import { parseCommand, ReplyCode, type SplitterItem } from '@ftp/protocol';
import { toReply } from '../errors/to-reply.ts';
import { newErrorId } from '../errors/error-id.ts';
import type { CommandContext } from './command-context.ts';
import { hasCapability, isLoggedIn, type CommandSpec, type CommandTable } from './define-command.ts';

/** What the dispatcher needs from the session, which is also the context of the commands it queues. */
export interface DispatchTarget extends CommandContext {
  readonly commands: CommandTable;
  readonly isClosing: boolean;
  /** Sends a reply that is no command's own: a guard's refusal of a line, which the `command` event does not count. */
  refuse(code: number, text: string): void;
  /** `refuse`, then closes the control connection. */
  refuseAndClose(code: number, text: string): void;
  /** Counts a bad command; closes the session with 421 past the limit and returns false. */
  countBadCommand(): boolean;
  /** Whether the last command left what the command after `previous` needs: RNFR's path, USER's name. */
  follows(previous: 'RNFR' | 'USER'): boolean;
  /** `verb` has run: REST's offset and RNFR's path last for exactly one following command (RFC 959 §4.1.3, RFC 3659 §5.3). */
  commandEnded(verb: string): void;
}

/** A parsed line ready to run, or undefined when the guards already answered it. */
export interface ReadyCommand {
  readonly spec: CommandSpec;
  readonly verb: string;
  readonly argument: string;
}

/**
 * The guards every line passes, in this fixed order (docs/architecture.md): closing → too long → unparsable → unknown →
 * unavailable on this server → login → capability → argument → sequence. Returns the command to run, or undefined after replying.
 */
export function admit(target: DispatchTarget, item: SplitterItem): ReadyCommand | undefined {
  if (target.isClosing) {
    target.refuseAndClose(ReplyCode.ServiceNotAvailable, 'Server shutting down, closing control connection.');
    return undefined;
  }
  if (item.kind === 'too-long') {
    if (target.countBadCommand()) target.refuse(ReplyCode.SyntaxError, 'Command line too long.');
    return undefined;
  }
  const charset = target.state.wireCharset;
  const parsed = parseCommand(item.bytes, charset?.decode);
  if (!parsed.ok) {
    if (parsed.reason === 'empty') return undefined; // RFC 959 has no empty command; stay silent like most servers
    if (target.countBadCommand()) {
      const invalid = charset === undefined ? 'Command is not valid UTF-8 (RFC 2640).' : `Command is not valid ${charset.name}.`;
      target.refuse(ReplyCode.SyntaxError, parsed.reason === 'nul' ? 'NUL bytes are not allowed.' : invalid);
    }
    return undefined;
  }
  const spec = target.commands.get(parsed.verb);
  if (spec === undefined) {
    if (target.countBadCommand()) target.refuse(ReplyCode.SyntaxError, `Unknown command "${printable(parsed.verb)}".`);
    return undefined;
  }
  const { state } = target;
  if (spec.available !== undefined && !spec.available(target)) {
    target.refuse(ReplyCode.CommandNotImplemented, `${spec.verb} is not available on this server.`);
    return undefined;
  }
  if (spec.requiresLogin && state.user === undefined) {
    target.refuse(ReplyCode.NotLoggedIn, 'Please login with USER and PASS.');
    return undefined;
  }
  if (spec.requiresCapability !== undefined && !hasCapability(state.storage, spec.requiresCapability)) {
    target.refuse(ReplyCode.CommandNotImplemented, `${spec.verb} is not supported by this storage.`);
    return undefined;
  }
  if (spec.argument === 'required' && parsed.argument.trim() === '') {
    target.refuse(ReplyCode.SyntaxErrorInArguments, `Syntax: ${spec.syntax}`);
    return undefined;
  }
  if (spec.mustFollow === 'RNFR' && !target.follows('RNFR')) {
    target.refuse(ReplyCode.BadSequence, 'RNFR required first.');
    return undefined;
  }
  if (spec.mustFollow === 'USER' && !target.follows('USER')) {
    target.refuse(ReplyCode.BadSequence, 'Login with USER first.');
    return undefined;
  }
  return { spec, verb: spec.verb, argument: parsed.argument };
}

/**
 * Runs an admitted command with `context` (the session, or for a command beside a transfer the session with replies
 * of its own); any thrown error becomes a reply through `toReply`, the one mapping.
 */
export async function run(target: DispatchTarget, context: CommandContext, command: ReadyCommand): Promise<void> {
  try {
    await handle(command.spec, context, command.argument);
  } catch (error) {
    if (command.spec.opensDataConnection === true) context.dataChannels.close();
    replyWithError(context, command.verb, error);
  } finally {
    target.commandEnded(command.verb);
  }
}

/**
 * Calls the handler with the context its entry asks for. `admit` let a login-required command through only after a
 * login, which sets the user, its effective user and its storage together, so the check here never fails.
 */
function handle(spec: CommandSpec, context: CommandContext, argument: string): Promise<void> | void {
  if (!spec.requiresLogin) return spec.handle(context, argument);
  if (!isLoggedIn(context)) throw new Error(`${spec.verb} reached its handler without a login`);
  return spec.handle(context, argument);
}

/** Answers a failed command through `toReply`, the one mapping, and logs it with the error id the client sees. */
export function replyWithError(context: CommandContext, verb: string, error: unknown): void {
  const errorId = newErrorId();
  const reply = toReply(error, errorId, overridesFor(verb));
  const fields = { errorId, verb, error: describe(error, reply.isUnexpected) };
  if (reply.isUnexpected) context.logger.error(fields, 'command failed');
  else context.logger[reply.logLevel](fields, 'command refused');
  // Through the command's context, so the reply counts as this command's own.
  if (reply.closeConnection) context.closeAfter(reply.code, reply.text);
  else context.reply(reply.code, reply.text);
}

/** RFC 959 §4.2: STOU and RNTO report an existing target as a file-name problem (553), not a missing file. */
function overridesFor(verb: string): { EEXIST?: number } {
  return verb === 'STOU' || verb === 'RNTO' ? { EEXIST: 553 } : {};
}

/**
 * The log fields of a failed command's error. The stack only for an error we did not expect: a refusal (a missing
 * file, an ABOR, a client's mistake) is an outcome, and its stack would only bury the lines that matter.
 */
function describe(error: unknown, withStack: boolean): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = withStack ? undefined : causeOf(error);
    return {
      name: error.name,
      message: error.message,
      code,
      ...(withStack ? { stack: error.stack } : {}),
      ...(cause === undefined ? {} : { cause }),
    };
  }
  return { value: String(error) };
}

/**
 * What lies under a refusal (the TLS error behind a 425, the socket error behind a storage outage), without its stack:
 * the log then names the real cause while the reply stays fixed.
 */
function causeOf(error: Error): Record<string, unknown> | undefined {
  const cause = error.cause;
  if (!(cause instanceof Error)) return undefined;
  return { name: cause.name, message: cause.message, code: (cause as { code?: unknown }).code };
}

/** Keeps a hostile verb from putting control characters into our reply. */
function printable(verb: string): string {
  return verb.replace(/[^\x20-\x7e]/g, '?').slice(0, 32);
}
