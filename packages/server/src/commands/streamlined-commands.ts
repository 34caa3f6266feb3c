import { ReplyCode } from '@ftp/protocol';
import { capabilityOf, defineCommand } from '../session/define-command.ts';

/** The longest client name CLNT logs; the rest is cut, so a client cannot fill the log through it. */
const clientNameLimit = 200;

/** AVBL and CLNT (draft-peterson-streamlined-ftp-command-extensions-10 §4 and §5). */
export const streamlinedCommands = [
  defineCommand({
    verb: 'AVBL',
    requiresLogin: true,
    argument: 'optional',
    // Offered where the storage knows its free space: before login, or on S3, nothing is promised.
    requiresCapability: 'freeSpace',
    feature: 'AVBL',
    syntax: 'AVBL [<sp> pathname]',
    async handle(context, argument) {
      // The directory asked, or the current one; the figure is the storage's, whatever the user's quota leaves.
      const path = context.resolvePath(argument.trim());
      context.requirePermission('list', path);
      const bytes = await capabilityOf(context.storage(), 'freeSpace')(path, context.callOptions());
      context.reply(ReplyCode.FileStatus, String(bytes));
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
