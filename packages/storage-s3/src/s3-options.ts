import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidOptionError, type AuthenticatedUser } from '@ftp/plugin-api';
import { largestPartBuffer, minimumPartSize } from './multipart-upload.ts';
import type { PayloadSigning } from './payload-signing.ts';

/** Static credentials; without them the SDK's default chain is used (environment, shared profile, instance role). */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Options of `createS3Storage`. Only `bucket` is required. */
export interface S3StorageOptions {
  /** The bucket every user's files live in. It must exist: a missing bucket refuses logins (421). */
  readonly bucket: string;
  /**
   * Key prefix that is a user's "/": "" (default) for the whole bucket, a fixed prefix such as "ftp/", or a template
   * with `{user}` such as "home/{user}/" for per-user areas; or a function of the user returning the prefix. A user
   * name that cannot be one key segment (empty, ".", "..", or containing "/", "\\", NUL, CR, LF) never gets a session.
   */
  readonly prefix?: string | ((user: AuthenticatedUser) => string);
  /** AWS region. Default: the SDK's (AWS_REGION, profile); "us-east-1" when only an `endpoint` is given. */
  readonly region?: string;
  /** Endpoint URL of an S3-compatible service (MinIO, Ceph, R2, ...); default AWS. */
  readonly endpoint?: string;
  /** Address buckets as `endpoint/bucket` instead of `bucket.endpoint`. Default: true with `endpoint`, else false. */
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3Credentials;
  /**
   * Bytes of an upload's first 1,000 multipart parts, 5 MiB to 4 GiB; the part size doubles after every 1,000 parts, so
   * one upload reaches S3's 10,000 parts only beyond 1,023,000 × partSize (4.9 TiB from the default). Default 5 MiB,
   * S3's smallest part, as in the AWS SDK's `Upload`: an upload of up to 4.9 GiB then holds at most 20 MiB of parts.
   */
  readonly partSize?: number;
  /** Parts held in memory per upload, including the one being filled (1 to 64). Default 4. Memory ≤ queueSize × the part size. */
  readonly queueSize?: number;
  /**
   * Resume (REST+STOR, APPE) by letting S3 copy the kept bytes with UploadPartCopy when they are at least 5 MiB,
   * instead of streaming them through this server. Default false: many S3-compatible servers lack UploadPartCopy.
   */
  readonly resumeByCopy?: boolean;
  /**
   * Sub-directories per listing whose modification time is looked up (one small request each, 8 at a time). Further
   * sub-directories show the time of the listing. Default 100; 0 turns the look-ups off.
   */
  readonly directoryTimeLookups?: number;
  /** Most keys a directory rename copies; a larger directory answers 550 with that reason. Default 1,000. */
  readonly maxRenameKeys?: number;
  /** Check with HeadBucket that the bucket exists and is reachable when a session opens. Default true. */
  readonly checkBucket?: boolean;
  /**
   * Cover upload bytes (PutObject, UploadPart) with the SigV4 signature, a SHA-256 of every byte. Default: only over
   * plain http; over HTTPS, TLS and the CRC32 checksum each part carries protect the bytes, and skipping the hash
   * saves about a fifth of the upload CPU. `true` signs them always, `false` never.
   */
  readonly signPayload?: boolean;
  /** Attempts per S3 request, retries included (the SDK's `maxAttempts`). Default 3. */
  readonly maxAttempts?: number;
  /**
   * Give each object an upload or a rename writes the Content-Type its name's extension stands for (the `mime`
   * package's table: ".txt" is text/plain, ".jpg" image/jpeg), so browsers and CDNs serving the bucket show it right.
   * Default true; false stores objects without one (S3 then serves binary/octet-stream), and a rename keeps the type.
   */
  readonly contentTypeFromName?: boolean;
  /** An S3 client to use instead of creating one; `region`, `endpoint`, `forcePathStyle`, `credentials`, `maxAttempts` must then be left out. */
  readonly client?: S3Client;
  /** The connector name in logs. Default "s3". */
  readonly name?: string;
}

/** The validated settings a session works with. */
export interface S3Settings {
  readonly bucket: string;
  readonly prefix: string | ((user: AuthenticatedUser) => string);
  readonly partSize: number;
  readonly queueSize: number;
  readonly resumeByCopy: boolean;
  readonly directoryTimeLookups: number;
  readonly maxRenameKeys: number;
  readonly checkBucket: boolean;
  readonly payloadSigning: PayloadSigning;
  readonly contentTypeFromName: boolean;
}

const clientKeys = ['region', 'endpoint', 'forcePathStyle', 'credentials', 'maxAttempts'] as const;

/** S3 bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens (dots allowed for legacy buckets). */
const bucketPattern = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

function integerIn(option: string, value: unknown, fallback: number, minimum: number, maximum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidOptionError(option, `must be an integer from ${minimum} to ${maximum}`);
  }
  return value;
}

/** `signPayload`: undefined decides per request (signed over http only); true and false fix it. */
function payloadSigningFrom(value: unknown): PayloadSigning {
  if (value === undefined) return 'auto';
  return booleanOption('signPayload', value, true) ? 'always' : 'never';
}

function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, 'must be true or false');
  return value;
}

function nonEmptyString(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidOptionError(option, 'must be a non-empty string');
  return value;
}

/** Checks the options that shape the S3 client itself. */
export function checkClientOptions(options: S3StorageOptions): void {
  if (options.client !== undefined) {
    const clash = clientKeys.find((key) => options[key] !== undefined);
    if (clash !== undefined) throw new InvalidOptionError(clash, 'cannot be combined with client (configure that client instead)');
    if (typeof options.client.send !== 'function') throw new InvalidOptionError('client', 'must be an S3Client');
  }
  if (options.region !== undefined) nonEmptyString('region', options.region);
  if (options.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(nonEmptyString('endpoint', options.endpoint));
    } catch {
      throw new InvalidOptionError('endpoint', 'must be an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidOptionError('endpoint', 'must be an absolute http:// or https:// URL');
    }
  }
  booleanOption('forcePathStyle', options.forcePathStyle, false);
  integerIn('maxAttempts', options.maxAttempts, 3, 1, 10);
  const credentials = options.credentials;
  if (credentials !== undefined) {
    if (typeof credentials !== 'object' || credentials === null) {
      throw new InvalidOptionError('credentials', 'must be an object with accessKeyId and secretAccessKey');
    }
    nonEmptyString('credentials.accessKeyId', credentials.accessKeyId);
    nonEmptyString('credentials.secretAccessKey', credentials.secretAccessKey);
    if (credentials.sessionToken !== undefined) nonEmptyString('credentials.sessionToken', credentials.sessionToken);
  }
}

/** Validates the options and fills in defaults; throws `InvalidOptionError` naming the first bad option. */
export function settingsFrom(options: S3StorageOptions): S3Settings {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('bucket', 'is required');
  const bucket = nonEmptyString('bucket', options.bucket);
  if (!bucketPattern.test(bucket)) {
    throw new InvalidOptionError('bucket', 'must be an S3 bucket name: 3-63 lower-case letters, digits, "." or "-"');
  }
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' && typeof prefix !== 'function') {
    throw new InvalidOptionError('prefix', 'must be a string (may contain {user}) or a function of the user');
  }
  if (typeof prefix === 'string' && (prefix.includes('\0') || /(^|\/)\.\.?(\/|$)/.test(prefix))) {
    throw new InvalidOptionError('prefix', 'must not contain NUL or "." / ".." segments');
  }
  checkClientOptions(options);
  if (options.name !== undefined) nonEmptyString('name', options.name);
  return {
    bucket,
    prefix,
    partSize: integerIn('partSize', options.partSize, minimumPartSize, minimumPartSize, largestPartBuffer),
    queueSize: integerIn('queueSize', options.queueSize, 4, 1, 64),
    resumeByCopy: booleanOption('resumeByCopy', options.resumeByCopy, false),
    directoryTimeLookups: integerIn('directoryTimeLookups', options.directoryTimeLookups, 100, 0, 100_000),
    maxRenameKeys: integerIn('maxRenameKeys', options.maxRenameKeys, 1000, 1, 1_000_000),
    checkBucket: booleanOption('checkBucket', options.checkBucket, true),
    payloadSigning: payloadSigningFrom(options.signPayload),
    contentTypeFromName: booleanOption('contentTypeFromName', options.contentTypeFromName, true),
  };
}

/** Every key `createStorageConnector` accepts in a config file. */
const configKeys: ReadonlySet<string> = new Set([
  'bucket',
  'prefix',
  'region',
  'endpoint',
  'forcePathStyle',
  'credentials',
  'partSize',
  'queueSize',
  'resumeByCopy',
  'directoryTimeLookups',
  'maxRenameKeys',
  'checkBucket',
  'signPayload',
  'maxAttempts',
  'contentTypeFromName',
  'name',
]);

/** Turns a plain config object (from JSON or YAML) into options, refusing unknown keys by name. */
export function optionsFromConfig(config: Readonly<Record<string, unknown>>): S3StorageOptions {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidOptionError('bucket', 'is required (the config must be an object)');
  }
  for (const key of Object.keys(config)) {
    if (!configKeys.has(key)) throw new InvalidOptionError(key, 'is not an option of the s3 storage connector');
  }
  const credentials = config.credentials;
  if (credentials !== undefined) {
    if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials)) {
      throw new InvalidOptionError('credentials', 'must be an object with accessKeyId and secretAccessKey');
    }
    for (const key of Object.keys(credentials)) {
      if (!['accessKeyId', 'secretAccessKey', 'sessionToken'].includes(key)) {
        throw new InvalidOptionError(`credentials.${key}`, 'is not a credentials field (accessKeyId, secretAccessKey, sessionToken)');
      }
    }
  }
  if (config.prefix !== undefined && typeof config.prefix !== 'string') {
    throw new InvalidOptionError('prefix', 'must be a string (may contain {user})');
  }
  return config as unknown as S3StorageOptions;
}
