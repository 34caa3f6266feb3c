/**
 * The messages between a worker's shared state and the primary that keeps it, over the cluster IPC channel. They are
 * JSON (the channel's serialization): arguments travel as named fields, so an undefined limit stays undefined instead
 * of turning into null inside an array.
 */

/** Tags every message of this protocol, so other messages on the same channel are left alone. */
export const sharedStateRequestTag = 'ftp-server/shared-state-request';
export const sharedStateReplyTag = 'ftp-server/shared-state-reply';

/**
 * The methods of `SharedStateV1` a worker asks the primary to run, plus `ping` for `checkHealth` and `describe`, asked
 * once at start, answered with a `SharedStateDescription`.
 */
export type SharedStateMethod =
  | 'describe'
  | 'acquireSession'
  | 'releaseSession'
  | 'isBanned'
  | 'recordLoginFailure'
  | 'quotaUsage'
  | 'setQuotaUsage'
  | 'reserveQuota'
  | 'commitQuota'
  | 'releaseQuota'
  | 'acquireUploadLock'
  | 'releaseUploadLock'
  | 'listDefenderState'
  | 'liftBan'
  | 'ping';

/** What a worker's state declares as the primary's does (see the same fields of `SharedStateV1`). */
export interface SharedStateDescription {
  readonly countsQuotaFolders: boolean;
}

export interface SharedStateRequest {
  readonly tag: typeof sharedStateRequestTag;
  /** Unique among the requests of one worker that wait for an answer. */
  readonly id: number;
  readonly method: SharedStateMethod;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export type SharedStateReply =
  | { readonly tag: typeof sharedStateReplyTag; readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly tag: typeof sharedStateReplyTag; readonly id: number; readonly ok: false; readonly error: string };

/**
 * One end of a message channel: a cluster worker's `process` in the worker, the `Worker` object in the primary, or a
 * pair in memory in tests. Messages arrive in the order they were sent.
 */
export interface MessagePort {
  /** Sends `message`; `onFailure` is called when it cannot be (the channel is closed). */
  send(message: unknown, onFailure: (error: Error) => void): void;
  /** Calls `listener` with each message received until the returned function is called. */
  subscribe(listener: (message: unknown) => void): () => void;
}

export function isSharedStateRequest(message: unknown): message is SharedStateRequest {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === sharedStateRequestTag;
}

export function isSharedStateReply(message: unknown): message is SharedStateReply {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === sharedStateReplyTag;
}
