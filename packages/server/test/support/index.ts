export { startServer, connectClient, sha256, nextEvent, type StartedServer } from './server.ts';
export { uploadBuffer, downloadBuffer } from './transfers.ts';
export { recordingLogger, alarmingLines, type LogLine } from './recording-logger.ts';
