import type { PluginContext } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import type { ServerLogger } from '../server-options.ts';
import type { SessionFacts } from './command-context.ts';
import type { Revalidation } from './session-state.ts';

/** What the re-check needs from the session. */
export interface RevalidationTarget {
  readonly state: SessionFacts;
  readonly logger: ServerLogger;
  pluginContext(): PluginContext;
  /** Ends the session with a reply that is no command's own. */
  refuseAndClose(code: number, text: string): void;
}

/**
 * The authenticator's re-check of a login, once its interval has passed (a revoked user must not keep a session).
 * Resolves true when the command may run. A revocation ends the session with 530; an outage with 421, never mistaken
 * for a revocation.
 */
export async function stillAuthorized(target: RevalidationTarget, revalidation: Revalidation | undefined): Promise<boolean> {
  if (revalidation === undefined || Date.now() - revalidation.validatedAt < revalidation.check.intervalMs) return true;
  try {
    if (await revalidation.check.check(target.pluginContext())) {
      revalidation.validatedAt = Date.now();
      return true;
    }
    target.logger.info({ username: target.state.user?.username }, 'login revoked at re-validation');
    target.refuseAndClose(ReplyCode.NotLoggedIn, 'Login no longer valid, closing control connection.');
  } catch (error) {
    target.logger.warn({ error: String(error) }, 're-validation unavailable');
    target.refuseAndClose(ReplyCode.ServiceNotAvailable, 'Authentication service not available, closing control connection.');
  }
  return false;
}
