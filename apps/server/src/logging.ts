import { pino, type DestinationStream, type Logger } from 'pino';
import type { FtpServer, FtpServerEvents } from '@ftp/server';
import type { LogLevel } from './config-keys.ts';

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
] as const satisfies readonly (keyof FtpServerEvents)[];

// Compile-time check that the list above names every event.
type MissingEvents = Exclude<keyof FtpServerEvents, (typeof serverEventNames)[number]>;
const everyEventListed: MissingEvents extends never ? true : never = true;

/** Logs each server event as one line: `{"event":"upload","path":...,"msg":"upload"}`. */
export function logServerEvents(server: Pick<FtpServer, 'on'>, logger: Logger): void {
  void everyEventListed;
  for (const event of serverEventNames) {
    const level = event === 'login-failed' ? 'warn' : 'info';
    server.on(event, (payload: FtpServerEvents[typeof event][0]) => {
      logger[level]({ event, ...payload }, event);
    });
  }
}
