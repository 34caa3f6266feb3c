import { formatMlstOptsReply, parseMlstOptions, ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { CommandContext } from '../session/command-context.ts';
import { defineCommand, isLoggedIn } from '../session/define-command.ts';
import { optsHash } from './checksums.ts';
import { listOverControl } from './listing.ts';
import { siteChmod, siteChmodHelp } from './site-chmod.ts';
import { learnMlstFacts, writtenMlstFacts } from './mlst-facts.ts';

/** SYST, NOOP, FEAT, OPTS, HELP, STAT, QUIT, SITE. */
export const informationCommands = [
  defineCommand({
    verb: 'SYST',
    requiresLogin: false,
    argument: 'none',
    syntax: 'SYST',
    // RFC 959 §4.1.3; "UNIX Type: L8" is what clients expect to parse ls-style LIST output.
    handle: (context) => context.reply(ReplyCode.SystemType, 'UNIX Type: L8'),
  }),
  defineCommand({
    verb: 'NOOP',
    requiresLogin: false,
    argument: 'none',
    syntax: 'NOOP',
    handle: (context) => context.reply(ReplyCode.CommandOkay, 'NOOP ok.'),
  }),
  defineCommand({
    verb: 'FEAT',
    requiresLogin: false,
    argument: 'none',
    syntax: 'FEAT',
    async handle(context) {
      // RFC 2389 §3.2: each feature on its own line, indented by one space. Built from the command table, so
      // it lists exactly what this session can do (before login, nothing that depends on the storage).
      await learnMlstFacts(context);
      const lines = context.commands.features(context).map((line) => ` ${line}`);
      context.reply(ReplyCode.SystemStatus, ['Features:', ...lines, 'End']);
    },
  }),
  defineCommand({
    verb: 'OPTS',
    requiresLogin: false,
    argument: 'required',
    feature: 'UTF8',
    syntax: 'OPTS <sp> command-name [<sp> command-options]',
    handle: handleOpts,
  }),
  defineCommand({
    verb: 'HELP',
    requiresLogin: false,
    argument: 'optional',
    syntax: 'HELP [<sp> command]',
    handle(context, argument) {
      const verb = argument.trim().toUpperCase();
      if (verb === '') {
        const verbs = context.commands.verbs(context);
        const rows: string[] = [];
        for (let index = 0; index < verbs.length; index += 8)
          rows.push(
            verbs
              .slice(index, index + 8)
              .map((name) => name.padEnd(5))
              .join(' '),
          );
        context.reply(ReplyCode.HelpMessage, ['The following commands are recognized:', ...rows, 'Help OK.']);
        return;
      }
      const spec = context.commands.get(verb);
      if (spec === undefined) throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Unknown command.');
      context.reply(ReplyCode.HelpMessage, `Syntax: ${spec.syntax}`);
    },
  }),
  defineCommand({
    verb: 'STAT',
    requiresLogin: false,
    argument: 'optional',
    allowedDuringTransfer: true,
    syntax: 'STAT [<sp> pathname]',
    async handle(context, argument) {
      if (argument.trim() !== '' && context.state.transfer === undefined) {
        if (!isLoggedIn(context)) throw new ReplyError(ReplyCode.NotLoggedIn, 'Please login with USER and PASS.');
        await listOverControl(context, argument);
        return;
      }
      context.reply(ReplyCode.SystemStatus, statusLines(context));
    },
  }),
  defineCommand({
    verb: 'QUIT',
    requiresLogin: false,
    argument: 'none',
    allowedDuringTransfer: true,
    syntax: 'QUIT',
    async handle(context) {
      // RFC 959 §4.1.1: a transfer in progress finishes and gets its reply before the connection closes.
      await context.state.transfer?.settled;
      context.closeAfter(ReplyCode.ClosingControl, 'Goodbye.');
    },
  }),
  defineCommand({
    verb: 'SITE',
    requiresLogin: false,
    argument: 'required',
    syntax: 'SITE <sp> HELP | QUOTA [RESCAN] | CHMOD <mode> <pathname>',
    async handle(context, argument) {
      const [subcommand = '', option = ''] = argument.trim().toUpperCase().split(/\s+/);
      if (subcommand === 'HELP') {
        const lines = ['HELP', 'QUOTA [RESCAN]', ...siteChmodHelp(context)].sort();
        context.reply(ReplyCode.HelpMessage, ['The following SITE commands are recognized:', ...lines, 'Help OK.']);
        return;
      }
      if (subcommand === 'CHMOD') {
        // The rest of the line as sent: a path keeps its case and its spaces.
        await siteChmod(context, argument.trim().slice('CHMOD'.length));
        return;
      }
      if (subcommand === 'QUOTA') {
        await siteQuota(context, option === 'RESCAN');
        return;
      }
      throw new ReplyError(ReplyCode.CommandNotImplemented, 'Unknown SITE command.');
    },
  }),
];

/**
 * SITE QUOTA [RESCAN]: the usage and limits of each account counting the user's tree (the user's own, and each quota
 * folder's); RESCAN recounts their files from the storage first. A user whose tree has no quota folder gets one line.
 */
async function siteQuota(context: CommandContext, rescan: boolean): Promise<void> {
  const user = context.state.effectiveUser;
  if (user === undefined) throw new ReplyError(ReplyCode.NotLoggedIn, 'Please login with USER and PASS.');
  const quota = context.state.quota;
  if (quota === undefined) {
    context.reply(ReplyCode.CommandOkay, 'No quota for this user.');
    return;
  }
  if (rescan) await quota.scan(context.storage(), context.callOptions(), true);
  const scopes = quota.scopes();
  const usages = await Promise.all(scopes.map((scope) => scope.account.usage()));
  const limit = (value: number | undefined) => (value === undefined ? 'unlimited' : String(value));
  const lines = scopes.map((scope, index) => {
    const usage = usages[index]!;
    const counted = `${usage.bytes} of ${limit(scope.limits.maxBytes)} bytes, ${usage.files} of ${limit(scope.limits.maxFiles)} files.`;
    return scope.folder === undefined ? `Quota: ${counted}` : `Quota of folder ${scope.folder.name} at ${scope.folder.path}: ${counted}`;
  });
  if (lines.length === 1 && scopes[0]!.folder === undefined) {
    context.reply(ReplyCode.CommandOkay, lines[0]!);
    return;
  }
  if (user.quota === undefined) lines.unshift('No quota for the files outside the quota folders.');
  context.reply(ReplyCode.CommandOkay, [...lines, 'End of quota.']);
}

async function handleOpts(context: CommandContext, argument: string): Promise<void> {
  const [name = '', ...rest] = argument.trim().split(/\s+/);
  const value = rest.join(' ');
  switch (name.toUpperCase()) {
    case 'UTF8':
    case 'UTF-8':
      optsUtf8(context, value.toUpperCase());
      return;
    case 'HASH':
      optsHash(context, value);
      return;
    case 'MLST': {
      // RFC 3659 §7.9: select facts; unknown ones are ignored; the reply lists what is now selected, which leaves
      // out what the storage cannot supply (the selection is kept as asked: after login the storage may have more).
      await learnMlstFacts(context);
      context.selectMlstFacts(parseMlstOptions(value));
      context.reply(ReplyCode.CommandOkay, formatMlstOptsReply(writtenMlstFacts(context)));
      return;
    }
    default:
      throw new ReplyError(ReplyCode.SyntaxErrorInArguments, 'Option not understood.');
  }
}

/**
 * OPTS UTF8 (RFC 2640 §3.1 and the OPTS UTF8 ON that clients send after seeing UTF8 in FEAT). Without a legacy charset
 * the server always speaks UTF-8: ON is acknowledged, OFF cannot be honoured. With one (the `encoding` option), ON
 * switches command lines, replies and listings to UTF-8 from the next command on, and OFF switches them back.
 */
function optsUtf8(context: CommandContext, value: string): void {
  const legacy = context.settings.encoding;
  if (legacy === undefined) {
    if (value === 'OFF') throw new ReplyError(ReplyCode.ParameterNotImplemented, 'UTF8 cannot be turned off.');
    context.reply(ReplyCode.CommandOkay, 'Always in UTF8 mode.');
    return;
  }
  const on = value !== 'OFF';
  context.useUtf8(on);
  context.reply(ReplyCode.CommandOkay, on ? 'UTF8 mode on.' : `UTF8 mode off; names in ${legacy.name}.`);
}

/** STAT without argument (RFC 959 §4.1.3): the session's state, or the transfer's progress during one. */
function statusLines(context: CommandContext): string[] {
  const { state, connection } = context;
  const lines = [`${context.settings.serverName} status:`, `Connected from ${connection.remoteAddress}`];
  lines.push(state.user === undefined ? 'Not logged in' : `Logged in as ${state.user.username}`);
  lines.push(`TYPE: ${state.transferType === 'A' ? 'ASCII' : 'BINARY'}; STRUcture: File; transfer MODE: Stream`);
  const transfer = state.transfer;
  if (transfer === undefined) lines.push('No data connection');
  else lines.push(`${transfer.command} ${transfer.path} in progress: ${transfer.bytes()} bytes transferred`);
  lines.push('End of status');
  return lines;
}
