export { startServer, connectClient, sha256, nextEvent, type StartedServer } from './server.ts';
export {
  rawSession,
  loggedInRawSession,
  pasvPort,
  epsvPort,
  openDataConnection,
  readToEnd,
  passiveData,
  type RawSession,
  type RawReply,
} from './raw-session.ts';
export { uploadBuffer, downloadBuffer } from './transfers.ts';
export { rawTransfer, type RawTransferResult } from './transfer-command.ts';
export { recordingLogger, alarmingLines, type LogLine } from './recording-logger.ts';
