import { ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext } from '../session/command-context.ts';
import { defineCommand } from '../session/define-command.ts';

/** Only with a certificate: a client must never be offered TLS we cannot do (RFC 4217 §6); 502 otherwise. */
const whenTlsConfigured = (context: CommandContext) => context.tls !== undefined;

function requireSecureControl(context: CommandContext, verb: 'PBSZ' | 'PROT' | 'CCC'): void {
  if (!context.state.secure) throw new ReplyError(ReplyCode.BadSequence, `${verb} requires AUTH TLS first.`);
}

/** AUTH, PBSZ, PROT, CCC (RFC 2228, RFC 4217). */
export const tlsCommands = [
  defineCommand({
    verb: 'AUTH',
    requiresLogin: false,
    argument: 'required',
    available: whenTlsConfigured,
    feature: 'AUTH TLS',
    syntax: 'AUTH <sp> TLS',
    async handle(context, argument) {
      const mechanism = argument.trim().toUpperCase();
      // RFC 4217 §4: "TLS"; "SSL", "TLS-C" and "TLS-P" are older names clients still send for the same upgrade.
      if (!['TLS', 'SSL', 'TLS-C', 'TLS-P'].includes(mechanism)) {
        throw new ReplyError(ReplyCode.ParameterNotImplemented, 'Only AUTH TLS is supported.');
      }
      if (context.state.secure) throw new ReplyError(ReplyCode.BadSequence, 'Already using TLS.');
      if (context.state.user !== undefined) throw new ReplyError(ReplyCode.BadSequence, 'AUTH must come before login.');
      context.reply(ReplyCode.SecurityDataExchangeComplete, `AUTH ${mechanism === 'SSL' ? 'SSL' : 'TLS'} successful.`);
      await context.upgradeToTls();
    },
  }),
  defineCommand({
    verb: 'PBSZ',
    requiresLogin: false,
    argument: 'required',
    available: whenTlsConfigured,
    feature: 'PBSZ',
    syntax: 'PBSZ <sp> 0',
    handle(context, argument) {
      requireSecureControl(context, 'PBSZ');
      if (!/^\d+$/.test(argument.trim())) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'PBSZ takes a decimal number.');
      // RFC 4217 §8: TLS needs no buffer size; the server answers PBSZ=0 whatever was asked.
      context.acceptProtectionBufferSize();
      context.reply(ReplyCode.CommandOkay, 'PBSZ=0');
    },
  }),
  defineCommand({
    verb: 'PROT',
    requiresLogin: false,
    argument: 'required',
    available: whenTlsConfigured,
    feature: 'PROT',
    syntax: 'PROT <sp> P | C',
    handle: handleProt,
  }),
  defineCommand({
    verb: 'CCC',
    requiresLogin: false,
    available: whenTlsConfigured,
    argument: 'none',
    syntax: 'CCC',
    handle(context) {
      requireSecureControl(context, 'CCC');
      // RFC 4217 §11: a server may refuse to clear the control connection; we always do, so no command after login
      // can be injected or read on the wire.
      throw new ReplyError(ReplyCode.RequestDeniedForPolicy, 'CCC not allowed: the control connection stays encrypted.');
    },
  }),
];

function handleProt(context: CommandContext, argument: string): void {
  requireSecureControl(context, 'PROT');
  if (!context.state.protectionBufferSizeSet) throw new ReplyError(ReplyCode.BadSequence, 'PBSZ required before PROT.');
  const level = argument.trim().toUpperCase();
  switch (level) {
    case 'P':
      context.setDataProtection('P');
      context.reply(ReplyCode.CommandOkay, 'Protection level set to P.');
      return;
    case 'C':
      // Implicit FTPS always protects data; explicit FTPS may require it by policy (RFC 4217 §9: 534).
      if (context.connection.secure || context.tls?.requireForData === true) {
        throw new ReplyError(ReplyCode.RequestDeniedForPolicy, 'PROT C not allowed: data connections must be encrypted.');
      }
      context.setDataProtection('C');
      context.reply(ReplyCode.CommandOkay, 'Protection level set to C.');
      return;
    case 'S':
    case 'E':
      throw new ReplyError(ReplyCode.ProtectionLevelNotSupported, `PROT ${level} not supported; use P or C.`);
    default:
      throw new ReplyError(ReplyCode.ParameterNotImplemented, 'Unknown protection level; use P or C.');
  }
}
