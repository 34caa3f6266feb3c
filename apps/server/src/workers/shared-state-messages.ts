import type { SessionAdmission } from '@ftp/plugin-api';

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
  | 'acquireSessionSlots'
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

/**
 * A user's session slots taken as a block (`acquireSessionSlots`, parameters `key`, `limit`, `slots`): the primary
 * grants all the slots asked for while the user is far from the limit (see `blockRoomFactor`), else one counted alone
 * under the limit, else none (`admission` tells why). `releaseSession` gives back `slots` of them at once (default 1).
 */
export interface SessionSlotsGrant {
  readonly admission: SessionAdmission;
  readonly slots: number;
}

/**
 * A block of slots is granted only while, once taken, at least `blockRoomFactor - 1` blocks are left under the limit:
 * far from it. Nearer, every slot is counted alone, so a limit is never passed, and the slots workers hold unused
 * refuse a login early only while they are held (less than two blocks a worker, a few seconds once unused).
 */
export const blockRoomFactor = 4;

/** The most slots one `acquireSessionSlots` takes. */
export const maximumSessionBlock = 64;

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
