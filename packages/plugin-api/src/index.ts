export { FtpError, type FtpErrorOptions } from './errors/ftp-error.ts';
export { StorageError, StorageErrorCode, storageError, type StorageErrorOptions } from './errors/storage-error.ts';
export { AuthenticationUnavailableError } from './errors/authentication-unavailable-error.ts';
export { SharedStateUnavailableError } from './errors/shared-state-unavailable-error.ts';
export { PluginVersionError, InvalidOptionError } from './errors/plugin-errors.ts';
export { findPluginShapeProblem, supportedSpecificationVersions, type PluginShapeProblem } from './plugin-shape.ts';
export { silentLogger, type PluginContext, type PluginLogger } from './plugin-context.ts';
export type { PluginEnvironment, PluginConfig, AuthenticatorFactory, StorageConnectorFactory } from './plugin-factory.ts';
export type {
  AuthenticatorV1,
  AuthenticationRequest,
  AuthenticationResult,
  AuthenticatedUser,
  UserPermissions,
  UserQuota,
  UserBandwidth,
  SessionRevalidation,
  UserStoreV1,
  StoredUser,
  NewStoredUser,
  UserChanges,
  UpdateUserOptions,
} from './authenticator/v1/authenticator-v1.ts';
export { UserStoreError, type UserStoreErrorReason } from './authenticator/v1/user-store-error.ts';
export type { FileEntry } from './storage/v1/file-entry.ts';
export type { MountQuota, UserMount, UserMounts } from './storage/v1/user-mounts.ts';
export type { QuotaFolder } from './storage/v1/quota-folder.ts';
export type {
  StorageConnectorV1,
  StorageSessionV1,
  StorageCallOptions,
  ReadOptions,
  ReadBufferPool,
  ReadSource,
  WriteOptions,
  WriteResult,
  ChecksumAlgorithm,
} from './storage/v1/storage-connector-v1.ts';

export type {
  SharedStateV1,
  SessionScope,
  SessionAdmission,
  LoginFailure,
  DefenderState,
  QuotaUsage,
  QuotaReservationRequest,
  QuotaChange,
} from './shared-state/v1/shared-state-v1.ts';

export { rootDirectorySegments } from './storage/v1/root-directory.ts';
export { confinedSession } from './storage/v1/confined-session.ts';
export { checksumAlgorithms, createChecksumDigest, isChecksumAlgorithm, type ChecksumDigest } from './storage/v1/checksum-digest.ts';
export {
  parseUserChanges,
  parseUserProfile,
  userChangeKeys,
  userPermissionKeys,
  type UserProfile,
} from './authenticator/v1/user-profile.ts';

import type { AuthenticatorV1 } from './authenticator/v1/authenticator-v1.ts';
import type { StorageConnectorV1, StorageSessionV1 } from './storage/v1/storage-connector-v1.ts';
import type { SharedStateV1 } from './shared-state/v1/shared-state-v1.ts';

/** The current authenticator contract; moves to a new version only in a major release of this package. */
export type Authenticator = AuthenticatorV1;
/** The current storage connector contract. */
export type StorageConnector = StorageConnectorV1;
/** The current storage session contract. */
export type StorageSession = StorageSessionV1;
/** The current shared-state contract. */
export type SharedState = SharedStateV1;
