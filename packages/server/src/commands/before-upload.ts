import { FtpError } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import type { LoggedInCommandContext } from '../session/command-context.ts';

/** The hook refused: 550 with its reason (RFC 959 §4.2: file unavailable, "not allowed"). */
class UploadRefusedError extends FtpError {
  constructor(reason: string) {
    super('FTP_ERR_UPLOAD_REFUSED', reason, { replyCode: ReplyCode.FileUnavailable, expose: true });
    this.name = 'UploadRefusedError';
  }
}

/** Asks the `beforeUpload` hook, when configured; throws a 550 error when it refuses. Call before `receiveFromClient`. */
export async function checkBeforeUpload(context: LoggedInCommandContext, command: string, path: string): Promise<void> {
  const hook = context.settings.beforeUpload;
  if (hook === undefined) return;
  const { sessionId, remoteAddress } = context.connection;
  const decision = await hook({
    sessionId,
    username: context.state.user.username,
    path,
    command,
    remoteAddress,
    signal: context.callOptions().signal,
  });
  if (decision.allowed) return;
  const reason = (decision.reason ?? 'Upload refused.').replace(/[\r\n]+/g, ' ').slice(0, 200);
  context.logger.info({ path, command, reason }, 'upload refused by beforeUpload');
  throw new UploadRefusedError(reason);
}
