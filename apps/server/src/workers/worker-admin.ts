import { FtpError, InvalidOptionError, type AuthenticatedUser } from '@ftp/plugin-api';
import type { CommandEvent, FtpServer } from '@ftp/server';
import type { AdminAnswer, AdminQueryKind, WorkerEvent } from './lifecycle-messages.ts';
import type { MessagePort } from './shared-state-messages.ts';

/** The server events a worker forwards to its primary for the admin event stream. */
const forwardedEvents = ['connect', 'disconnect', 'login', 'login-failed', 'upload', 'download'] as const;

/** The fields of an event the admin stream shows (`Event` of the admin OpenAPI document). */
const eventFields = ['sessionId', 'remoteAddress', 'username', 'attemptedUsername', 'path', 'bytes', 'durationMs', 'command'] as const;

/**
 * Answers one admin question of the primary about this worker's engine: its value, or the error with its stable code.
 * JSON has no undefined: an absent value travels as null.
 */
export async function answerAdminQuery(
  kind: AdminQueryKind,
  parameters: Readonly<Record<string, unknown>>,
  server: FtpServer,
): Promise<AdminAnswer> {
  try {
    const value = await adminValue(kind, parameters, server);
    return { ok: true, value: value ?? null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof InvalidOptionError) return { ok: false, message, code: error.code, option: error.option };
    return FtpError.isInstance(error) ? { ok: false, message, code: error.code } : { ok: false, message };
  }
}

async function adminValue(kind: AdminQueryKind, parameters: Readonly<Record<string, unknown>>, server: FtpServer): Promise<unknown> {
  const text = (name: string) => String(parameters[name] ?? '');
  switch (kind) {
    case 'admin-sessions':
      return server.sessions();
    case 'admin-session':
      return server.session(text('id'));
    case 'admin-end-session':
      return server.endSession(text('id'), text('reason'));
    case 'admin-end-sessions-of':
      return server.endSessionsOf(text('username'), text('reason'));
    case 'admin-status':
      return server.status();
    case 'admin-quota-usage':
      return server.quotaUsage(text('username'));
    case 'admin-rescan-quota':
      return server.rescanQuota(parameters.user as AuthenticatedUser);
    case 'admin-quota-report':
      return server.quotaReport(parameters.user as AuthenticatedUser);
    case 'admin-defender-state':
      return server.defender.state();
    case 'admin-is-banned':
      return server.defender.isBanned(text('address'));
    case 'admin-record-failed-login':
      return server.defender.recordFailedLogin(text('address'), text('username'));
    case 'admin-lift-ban':
      return server.defender.liftBan(text('address'));
    case 'admin-allow':
      server.defender.allow(text('entry'));
      return server.defender.allowList;
  }
}

/**
 * Sends `server`'s events to the primary, with the fields the admin stream shows: a command is sent only when it
 * failed (4xx, 5xx) in a logged-in session, as the stream shows no other.
 */
export function forwardEvents(server: FtpServer, port: MessagePort): void {
  const send = (event: string, payload: object) => {
    const fields: Record<string, unknown> = {};
    for (const name of eventFields) {
      const value = (payload as Record<string, unknown>)[name];
      if (value !== undefined) fields[name] = value;
    }
    const message: WorkerEvent = { tag: 'ftp-server/worker-event', event, payload: fields };
    port.send(message, () => undefined);
  };
  for (const event of forwardedEvents) server.on(event, (payload: object) => send(event, payload));
  server.on('command', (event: CommandEvent) => {
    if (event.replyCode < 400 || event.username === undefined) return;
    const { sessionId, remoteAddress, username, verb, replyCode } = event;
    const message: WorkerEvent = {
      tag: 'ftp-server/worker-event',
      event: 'command',
      payload: { sessionId, remoteAddress, username, verb, replyCode },
    };
    port.send(message, () => undefined);
  });
}
