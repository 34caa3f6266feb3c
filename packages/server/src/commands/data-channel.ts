import {
  formatEpsvReply,
  formatPasvAddress,
  isIpv4Address,
  normalizeAddress,
  parseEprtArgument,
  parseEpsvArgument,
  parsePortArgument,
  ReplyCode,
  type HostPort,
} from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext } from '../session/command-context.ts';
import { defineCommand } from '../session/define-command.ts';

/** PASV, EPSV, PORT, EPRT, TYPE, MODE, STRU, ABOR. */
export const dataChannelCommands = [
  defineCommand({
    verb: 'PASV',
    requiresLogin: true,
    argument: 'none',
    feature: 'PASV',
    syntax: 'PASV',
    async handle(context) {
      refuseAfterEpsvAll(context);
      const address = normalizeAddress(await context.dataChannels.passiveAddress());
      // RFC 959 §4.1.2: the 227 reply carries an IPv4 address; an IPv6 control connection must use EPSV.
      if (!isIpv4Address(address)) {
        throw new ReplyError(ReplyCode.CannotOpenDataConnection, 'PASV needs IPv4; use EPSV.');
      }
      const port = await context.dataChannels.preparePassive();
      context.reply(ReplyCode.EnteringPassiveMode, `Entering Passive Mode (${formatPasvAddress(address, port)}).`);
    },
  }),
  defineCommand({
    verb: 'EPSV',
    requiresLogin: true,
    argument: 'optional',
    feature: 'EPSV',
    syntax: 'EPSV [<sp> 1 | 2 | ALL]',
    async handle(context, argument) {
      const parsed = parseEpsvArgument(argument);
      if (parsed === undefined) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'EPSV takes 1, 2 or ALL.');
      if (parsed.kind === 'all') {
        // RFC 2428 §4: after EPSV ALL only EPSV may set up data connections.
        context.limitToEpsv();
        context.reply(ReplyCode.CommandOkay, 'EPSV ALL accepted.');
        return;
      }
      const family = context.connection.localAddress.includes(':') && !context.connection.localAddress.startsWith('::ffff:') ? 2 : 1;
      if (parsed.kind === 'family' && parsed.family !== family) {
        // RFC 2428 §3: 522 lists the protocols we do support.
        context.reply(ReplyCode.NetworkProtocolNotSupported, `Network protocol not supported, use (${family}).`);
        return;
      }
      const port = await context.dataChannels.preparePassive();
      context.reply(ReplyCode.EnteringExtendedPassiveMode, formatEpsvReply(port));
    },
  }),
  defineCommand({
    verb: 'PORT',
    requiresLogin: true,
    argument: 'required',
    syntax: 'PORT <sp> h1,h2,h3,h4,p1,p2',
    handle(context, argument) {
      const target = parsePortArgument(argument);
      if (target === undefined) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Bad PORT argument.');
      prepareActive(context, 'PORT', target);
    },
  }),
  defineCommand({
    verb: 'EPRT',
    requiresLogin: true,
    argument: 'required',
    feature: 'EPRT',
    syntax: 'EPRT <sp> |protocol|address|port|',
    handle(context, argument) {
      const target = parseEprtArgument(argument);
      if (target === undefined) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Bad EPRT argument.');
      prepareActive(context, 'EPRT', target);
    },
  }),
  defineCommand({
    verb: 'TYPE',
    requiresLogin: false,
    argument: 'required',
    syntax: 'TYPE <sp> A | I | L 8',
    handle(context, argument) {
      // RFC 959 §3.1.1: A (with the default non-print format N), I, and L 8 (same as I on 8-bit hosts).
      const type = argument.trim().toUpperCase().replace(/\s+/g, ' ');
      if (type === 'A' || type === 'A N') context.setTransferType('A');
      else if (type === 'I' || type === 'L 8') context.setTransferType('I');
      else if (/^(E|A [TC]|E [NTC]|L \d+)$/.test(type))
        throw new ReplyError(ReplyCode.ParameterNotImplemented, `TYPE ${type} not implemented.`);
      else throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Unknown TYPE.');
      context.reply(ReplyCode.CommandOkay, `Switching to ${context.state.transferType === 'A' ? 'ASCII' : 'Binary'} mode.`);
    },
  }),
  defineCommand({
    verb: 'MODE',
    requiresLogin: false,
    argument: 'required',
    syntax: 'MODE <sp> S',
    handle: (context, argument) => acceptOnly(context, 'MODE', argument, 'S', ['B', 'C', 'Z'], 'Mode set to S.'),
  }),
  defineCommand({
    verb: 'STRU',
    requiresLogin: false,
    argument: 'required',
    syntax: 'STRU <sp> F',
    handle: (context, argument) => acceptOnly(context, 'STRU', argument, 'F', ['R', 'P'], 'Structure set to F.'),
  }),
  defineCommand({
    verb: 'ABOR',
    requiresLogin: true,
    argument: 'none',
    allowedDuringTransfer: true,
    syntax: 'ABOR',
    async handle(context) {
      const transfer = context.state.transfer;
      context.dataChannels.close();
      if (transfer === undefined) {
        context.reply(ReplyCode.DataConnectionOpenNoTransfer, 'No transfer to abort.');
        return;
      }
      // RFC 959 §4.1.3: the aborted command answers 426, then ABOR answers 226.
      transfer.controller.abort(new Error('aborted by ABOR'));
      await transfer.settled;
      context.reply(ReplyCode.ClosingData, 'ABOR successful.');
    },
  }),
];

function refuseAfterEpsvAll(context: CommandContext): void {
  if (context.state.extendedPassiveOnly) throw new ReplyError(ReplyCode.BadSequence, 'EPSV ALL in effect; use EPSV.');
}

/** PORT/EPRT: only to the control peer and never to a privileged port (RFC 2577 §3, FTP bounce). */
function prepareActive(context: CommandContext, verb: 'PORT' | 'EPRT', target: HostPort): void {
  refuseAfterEpsvAll(context);
  if (!context.settings.allowActiveMode)
    throw new ReplyError(ReplyCode.CommandNotImplemented, 'Active mode is disabled; use PASV or EPSV.');
  const host = normalizeAddress(target.host);
  if (target.port < 1024) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Ports below 1024 are not allowed.');
  if (!context.dataChannels.prepareActive({ host, port: target.port })) {
    throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Data connections only to the control connection address.');
  }
  context.reply(ReplyCode.CommandOkay, `${verb} command successful. Consider using EPSV.`);
}

function acceptOnly(
  context: CommandContext,
  verb: 'MODE' | 'STRU',
  argument: string,
  accepted: string,
  known: string[],
  text: string,
): void {
  const value = argument.trim().toUpperCase();
  if (value === accepted) context.reply(ReplyCode.CommandOkay, text);
  else if (known.includes(value)) throw new ReplyError(ReplyCode.ParameterNotImplemented, `${verb} ${value} not implemented.`);
  else throw new ReplyError(ReplyCode.SyntaxErrorInArguments, `Unknown ${verb} argument.`);
}
