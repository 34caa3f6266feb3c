import { FtpError } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import type { CommandContext } from '../session/command-context.ts';

/** What `beforeUpload` is told about an upload about to start. */
export interface BeforeUploadRequest {
  readonly sessionId: string;
  readonly username: string;
  /** The virtual path the upload will write (for STOU, the unique name chosen). */
  readonly path: string;
  /** STOR, STOU or APPE. */
  readonly command: string;
  /** The real client address (after a trusted PROXY header). */
  readonly remoteAddress: string;
  /** Aborted when the session ends. */
  readonly signal: AbortSignal;
}

/** The hook's decision. */
export type BeforeUploadDecision = { readonly allowed: true } | { readonly allowed: false; /** Sent to the client with 550. */ readonly reason?: string };

/** The `beforeUpload` server option: may refuse an upload before any data moves. */
export type BeforeUploadHook = (request: BeforeUploadRequest) => Promise<BeforeUploadDecision>;

/** The hook refused: 550 with its reason (RFC 959 §4.2: file unavailable, "not allowed"). */
class UploadRefusedError extends FtpError {
  constructor(reason: string) {
    super('FTP_ERR_UPLOAD_REFUSED', reason, { replyCode: ReplyCode.FileUnavailable, expose: true });
    this.name = 'UploadRefusedError';
  }
}

/** Asks the `beforeUpload` hook, when configured; throws a 550 error when it refuses. Call before `receiveFromClient`. */
export async function checkBeforeUpload(context: CommandContext, command: string, path: string): Promise<void> {
  const hook = context.options.beforeUpload;
  if (hook === undefined) return;
  const { sessionId, remoteAddress } = context.connection;
  const decision = await hook({ sessionId, username: context.state.user?.username ?? '', path, command, remoteAddress, signal: context.callOptions().signal });
  if (decision.allowed) return;
  const reason = (decision.reason ?? 'Upload refused.').replace(/[\r\n]+/g, ' ').slice(0, 200);
  context.logger.info({ path, command, reason }, 'upload refused by beforeUpload');
  throw new UploadRefusedError(reason);
}
