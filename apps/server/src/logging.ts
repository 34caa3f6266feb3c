import { pino, type DestinationStream, type Logger } from 'pino';
import type { FtpServer, FtpServerEvents } from '@ftp/server';
import type { LogLevel } from './config-schema.ts';

// Defence in depth: no code path logs a password, but if one ever did, pino replaces it before writing.
const redactedPaths = [
  'password',
  'pass',
  'passwordHash',
  '*.password',
  '*.pass',
  '*.passwordHash',
  'authenticatorConfig',
  'storageConfig',
];

/** A pino logger writing one JSON object per line to `destination` (stdout by default), with secrets redacted. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { pid: process.pid } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** Every event of `FtpServerEvents`, logged by `logServerEvents`. */
export const serverEventNames = [
  'connect',
  'disconnect',
  'login',
  'login-failed',
  'upload',
  'download',
  'delete',
  'mkdir',
  'rmdir',
  'rename',
  'command',
] as const satisfies readonly (keyof FtpServerEvents)[];

// Compile-time check that the list above names every event.
type MissingEvents = Exclude<keyof FtpServerEvents, (typeof serverEventNames)[number]>;
const everyEventListed: MissingEvents extends never ? true : never = true;

/** The commands that move file data, and the direction they move it in. */
export const transferVerbs: Readonly<Record<string, 'upload' | 'download'>> = {
  STOR: 'upload',
  STOU: 'upload',
  APPE: 'upload',
  RETR: 'download',
};

/**
 * Logs each server event as one line: `{"event":"upload","path":...,"msg":"upload"}`. Transfers (upload, download)
 * carry `result: "success"`; every command is a `command` line with its reply code and `result` ("ok" below 400,
 * else "error"); a transfer command that failed adds a `transfer-failed` line with its argument as `path`.
 */
export function logServerEvents(server: Pick<FtpServer, 'on'>, logger: Logger): void {
  void everyEventListed;
  for (const event of serverEventNames) {
    const level = event === 'login-failed' ? 'warn' : 'info';
    server.on(event, (payload: FtpServerEvents[typeof event][0]) => {
      if (event === 'upload' || event === 'download') logger[level]({ event, ...payload, result: 'success' }, event);
      else if (event === 'command') logCommand(logger, payload as FtpServerEvents['command'][0]);
      else logger[level]({ event, ...payload }, event);
    });
  }
}

function logCommand(logger: Logger, payload: FtpServerEvents['command'][0]): void {
  const failed = payload.replyCode >= 400;
  logger.info({ event: 'command', ...payload, result: failed ? 'error' : 'ok' }, 'command');
  const direction = transferVerbs[payload.verb];
  if (direction === undefined || !failed) return;
  const { sessionId, remoteAddress, username, verb, replyCode, durationMs, argument } = payload;
  logger.warn(
    {
      event: 'transfer-failed',
      sessionId,
      remoteAddress,
      username,
      command: verb,
      direction,
      path: argument,
      durationMs,
      replyCode,
      result: 'failure',
    },
    'transfer-failed',
  );
}
