import type { ServerResponse } from 'node:http';
import type { CommandEvent, FtpServerEvents } from '@ftp/server';
import type { AdminTarget } from './admin-target.ts';

/** The server events the stream forwards under their own names. */
const forwarded = ['connect', 'disconnect', 'login', 'login-failed', 'upload', 'download'] as const;

/** Keeps proxies and load balancers from closing a quiet stream (a comment line, which clients ignore). */
const heartbeatMs = 15_000;

/**
 * Streams the server's events to one client as Server-Sent Events (HTML Living Standard §9.2) until the client goes,
 * the token expires (`until`) or the admin server closes. A command answered 4xx or 5xx by a logged-in session is
 * sent as an `error` event.
 */
export function streamEvents(server: AdminTarget, response: ServerResponse, until: number): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // nginx buffers responses unless told otherwise, which would hold the events back.
    'x-accel-buffering': 'no',
  });
  response.write(': connected\n\n');
  const send = (event: string, payload: object) => {
    const data = { at: new Date().toISOString(), ...payload } as Record<string, unknown>;
    data.username ??= null;
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const listeners = forwarded.map((event) => {
    const listener = (payload: FtpServerEvents[typeof event][0]) => send(event, eventFields(payload));
    server.on(event, listener);
    return () => server.off(event, listener);
  });
  const onCommand = (event: CommandEvent) => {
    if (event.replyCode < 400 || event.username === undefined) return;
    const { sessionId, remoteAddress, username, verb, replyCode } = event;
    send('error', { sessionId, remoteAddress, username, command: verb, replyCode });
  };
  server.on('command', onCommand);
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), heartbeatMs).unref();
  const expiry = setTimeout(() => response.end(), Math.max(0, until - Date.now())).unref();
  response.on('close', () => {
    for (const remove of listeners) remove();
    server.off('command', onCommand);
    clearInterval(heartbeat);
    clearTimeout(expiry);
  });
}

/** The fields of the `Event` schema that a server event carries. */
function eventFields(payload: object): object {
  const { sessionId, remoteAddress, username, attemptedUsername, path, bytes, durationMs, command } = payload as Record<string, unknown>;
  const fields: Record<string, unknown> = { sessionId, remoteAddress, username };
  if (attemptedUsername !== undefined) fields.attemptedUsername = attemptedUsername;
  if (path !== undefined) fields.path = path;
  if (bytes !== undefined) fields.bytes = bytes;
  if (durationMs !== undefined) fields.durationMs = durationMs;
  if (command !== undefined) fields.command = command;
  return fields;
}
