import type { CommandContext, TransferHandle } from './command-context.ts';
import { replyWithError } from './dispatch.ts';
import type { SessionState } from './session-state.ts';

/**
 * Runs one transfer body as the session's active transfer: ABOR and STAT see it through `state.transfer`, and its
 * abort signal fires on ABOR or when the session ends (the session ends `state.transfer` itself through
 * `controlClosed`, so a transfer adds no listener to the session's signal; `sessionEnd`, the reason of a session
 * already ended, aborts it at once). The body may replace that abort with its own ending (`onControlClose`). The
 * body's error is answered through `context` before the transfer settles, because ABOR waits on `settled`: its 226
 * must follow the transfer's 426 (RFC 959 §4.1.3).
 */
export async function runTransfer(
  state: SessionState,
  sessionEnd: Error | undefined,
  context: CommandContext,
  command: string,
  path: string,
  body: (transfer: TransferHandle) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  if (sessionEnd !== undefined) controller.abort(sessionEnd);
  let counter = () => 0;
  let onControlClose: (() => void) | undefined;
  let settle = () => {};
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const controlClosed = (reason: Error) => (onControlClose === undefined ? controller.abort(reason) : onControlClose());
  state.transfer = { command, path, startedAt: Date.now(), controller, settled, bytes: () => counter(), controlClosed };
  try {
    await body({
      signal: controller.signal,
      trackBytes: (next) => (counter = next),
      onControlClose: (handler) => (onControlClose = handler),
    });
  } catch (error) {
    replyWithError(context, command, error);
  } finally {
    state.transfer = undefined;
    settle();
  }
}
