export { generateCertificate, type CertificateOptions, type TestCertificate } from './certificate.ts';
export { startDirectorySwapping } from './directory-swapping.ts';
export { eventually } from './eventually.ts';
export { tempDirectory } from './temp-directory.ts';
export {
  rawSession,
  greetedRawSession,
  loggedInRawSession,
  pasvPort,
  epsvPort,
  openDataConnection,
  readToEnd,
  passiveData,
  type RawSession,
  type RawReply,
} from './raw-session.ts';
export { rawTransfer, startRawTransfer, type RawTransferResult } from './raw-transfer.ts';
export { recordingLogger, alarmingLines, type LogLine, type TestLogger } from './recording-logger.ts';
export { startIdentityServer, type IdentityServer, type ReceivedRequest } from './identity-server.ts';
export { spawnLogged, type LoggedProcess, type LoggedProcessOptions } from './logged-process.ts';
export { gatedSink, type GatedSink } from './gated-sink.ts';
export { thisMachine, writeUsersFileLock } from './users-file-lock.ts';
