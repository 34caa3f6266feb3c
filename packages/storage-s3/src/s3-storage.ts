import { HeadBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { StorageError } from '@ftp/plugin-api';
import type { AuthenticatedUser, PluginContext, PluginLogger, StorageConnectorV1, StorageSessionV1 } from '@ftp/plugin-api';
import { createKeyMapping, narrowToRootDirectory, requireRoomForKeys, rootPrefixFor } from './key-mapping.ts';
import { s3ErrorCodeOf, storageCodeFor } from './s3-error-to-storage-error.ts';
import { optionsFromConfig, settingsFrom, type S3Settings, type S3StorageOptions } from './s3-options.ts';
import { S3Session } from './s3-session.ts';

function clientConfigFrom(options: S3StorageOptions): S3ClientConfig {
  const config: S3ClientConfig = {
    maxAttempts: options.maxAttempts ?? 3,
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
  };
  const region = options.region ?? (options.endpoint === undefined ? undefined : 'us-east-1');
  if (region !== undefined) config.region = region;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) {
    const { accessKeyId, secretAccessKey, sessionToken } = options.credentials;
    config.credentials = sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
  }
  return config;
}

/** How long a readiness probe waits for the bucket before calling it unavailable. */
const healthTimeoutMs = 3_000;

/**
 * Why a session cannot open. A missing or unreachable bucket is an outage of this storage (`EUNAVAILABLE`: the client
 * gets 421 at login and the connection closes); refused credentials or policy are `EACCES`.
 */
function sessionFailure(error: unknown, bucket: string): StorageError {
  const code = s3ErrorCodeOf(error);
  const storageCode = storageCodeFor(error);
  if (storageCode === 'EACCES') {
    return new StorageError('EACCES', `storage-s3: access to bucket "${bucket}" denied (${code ?? 'HTTP 403'})`, { cause: error });
  }
  const reason = code === 'NotFound' || code === 'NoSuchBucket' ? 'does not exist' : `cannot be reached (${code ?? String(error)})`;
  return new StorageError('EUNAVAILABLE', `storage-s3: bucket "${bucket}" ${reason}`, { cause: error });
}

/**
 * A storage connector for Amazon S3 and S3-compatible stores (MinIO, Ceph, R2, ...). Each user sees the keys below a
 * prefix (optionally per user with `{user}`) as a directory tree: exact keys, "dir/" marker objects for MKD,
 * listings streamed page by page, downloads streamed from GetObject (REST as a ranged GET), uploads streamed as
 * multipart uploads in bounded memory and completed before the 226 reply, resumable uploads (REST+STOR, APPE),
 * rename by CopyObject, and HASH from stored checksums or by streaming the object. See the package README.
 *
 * @example
 * ```ts
 * const storage = createS3Storage({ bucket: 'ftp-files', prefix: 'home/{user}/', region: 'eu-west-1' });
 * ```
 */
export function createS3Storage(options: S3StorageOptions): StorageConnectorV1 {
  const settings: S3Settings = settingsFrom(options);
  const ownsClient = options.client === undefined;
  const client = options.client ?? new S3Client(clientConfigFrom(options));

  async function openSession(user: AuthenticatedUser, context: PluginContext): Promise<StorageSessionV1> {
    const rootPrefix = requireRoomForKeys(narrowToRootDirectory(rootPrefixFor(settings.prefix, user), user.rootDirectory));
    if (settings.checkBucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: settings.bucket }), { abortSignal: context.signal });
      } catch (error) {
        throw sessionFailure(error, settings.bucket);
      }
    }
    context.logger.debug({ bucket: settings.bucket, prefix: rootPrefix }, 'storage-s3 session opened');
    return new S3Session({ client, settings, keys: createKeyMapping(rootPrefix), logger: context.logger });
  }

  /** Readiness (the app's /readyz): the bucket answers HeadBucket within a few seconds. */
  async function checkHealth(): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: settings.bucket }), { abortSignal: AbortSignal.timeout(healthTimeoutMs) });
    } catch (error) {
      throw sessionFailure(error, settings.bucket);
    }
  }

  async function close(): Promise<void> {
    if (ownsClient) client.destroy();
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: options.name ?? 's3',
    appliesRootDirectory: true as const,
    openSession,
    checkHealth,
    close,
  });
}

/** The second argument the ftp-server app passes to plugin factories. */
export interface StorageConnectorEnvironment {
  readonly logger?: PluginLogger;
  readonly configDirectory?: string;
}

/**
 * The plugin factory the ftp-server app calls for `storageConnector: "@ftp/storage-s3"` (and for the built-in short
 * name `s3`): `storageConfig` holds the keys of `S3StorageOptions` except `client`, as plain JSON values. Unknown
 * keys are refused with `InvalidOptionError` naming them.
 */
export function createStorageConnector(
  config: Readonly<Record<string, unknown>>,
  _environment?: StorageConnectorEnvironment,
): StorageConnectorV1 {
  return createS3Storage(optionsFromConfig(config));
}
