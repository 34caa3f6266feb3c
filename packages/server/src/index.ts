export { createFtpServer, type FtpServer, type ListeningAddress, type CloseOptions } from './ftp-server.ts';
export type { FtpServerOptions, PassiveOptions, ServerLogger, TlsOptions, AnonymousOptions, DefenderOptions, UserDefaults } from './server-options.ts';
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
export {
  FtpError,
  StorageError,
  StorageErrorCode,
  AuthenticationUnavailableError,
  InvalidOptionError,
  PluginVersionError,
  type Authenticator,
  type AuthenticatedUser,
  type StorageConnector,
  type StorageSession,
  type FileEntry,
} from '@ftp/plugin-api';
export type { ProxyProtocolOptions } from './proxy/proxy-header.ts';
export type { PassiveAddressOption, PassiveAddressRule } from './data-channel/passive-address.ts';
export type { BeforeUploadHook, BeforeUploadRequest, BeforeUploadDecision } from './commands/before-upload.ts';
