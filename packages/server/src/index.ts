export {
  createFtpServer,
  type FtpServer,
  type ListeningAddress,
  type CloseOptions,
  type QuotaFolderReport,
  type QuotaReport,
} from './ftp-server.ts';
export type {
  SessionInfo,
  TransferProgress,
  TransferDirection,
  ServerStatus,
  ServerCounters,
  ListenerInfo,
  DefenderAccess,
} from './admin-view.ts';
export type {
  FtpServerOptions,
  PassiveOptions,
  ServerLogger,
  TlsOptions,
  AnonymousOptions,
  DefenderOptions,
  UserDefaults,
  ProxyProtocolOptions,
  PassiveAddressOption,
  PassiveAddressRule,
  BeforeUploadHook,
  BeforeUploadRequest,
  BeforeUploadDecision,
} from './server-options.ts';
export type {
  FtpServerEvents,
  SessionEventBase,
  ConnectEvent,
  DisconnectEvent,
  LoginEvent,
  LoginFailedEvent,
  TransferEvent,
  PathEvent,
  RenameEvent,
  CommandEvent,
} from './server-events.ts';
export * from './authenticators/index.ts';
export { createMemorySharedState } from './limits/memory-shared-state.ts';
export { defaultMaxSessions } from './resolve-options.ts';
export {
  FtpError,
  StorageError,
  StorageErrorCode,
  AuthenticationUnavailableError,
  SharedStateUnavailableError,
  InvalidOptionError,
  PluginVersionError,
  type Authenticator,
  type AuthenticatedUser,
  type StorageConnector,
  type StorageSession,
  type SharedState,
  type FileEntry,
} from '@ftp/plugin-api';
