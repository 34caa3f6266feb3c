import { z } from 'zod';
import {
  choice,
  choiceInAnyCase,
  configDocs,
  documented,
  flag,
  integer,
  mapOf,
  nonEmptyList,
  nonEmptyText,
  virtualPath,
} from './config-fields.ts';
import { permissionsSchema, quotaSchema } from './config-schema.ts';

// The options of the built-in authenticators and storage connectors, as `authenticatorConfig` and `storageConfig`
// take them. They follow the option types of `@ftp/server` (local), `@ftp/auth-http`, `@ftp/storage-fs` and
// `@ftp/storage-s3`; each plugin still checks its options when it is created, so these schemas can only be stricter.

/** Keys no authenticator without options accepts. */
const noOptions = (name: string) => z.strictObject({}).register(configDocs, { noKeysReason: `the ${name} authenticator takes no options` });

/** One user of the `local` authenticator (`LocalUserConfig` of `@ftp/server`). */
export const localUserSchema = z
  .strictObject({
    username: documented(nonEmptyText(), { description: 'the USER name, compared exactly' }),
    passwordHash: documented(nonEmptyText('must be a string made by `ftp-server hash-password`'), {
      description: 'a scrypt hash made by `ftp-server hash-password`; never a plain password',
    }),
    homeDirectory: documented(virtualPath().exactOptional(), {
      description: 'where the session starts, inside the root',
      defaultValue: '/',
    }),
    rootDirectory: documented(virtualPath().exactOptional(), { description: "storage directory that becomes the user's `/` (a chroot)" }),
    permissions: documented(permissionsSchema.exactOptional(), {
      description: 'permission flags',
      defaultText: '`userDefaults`, then all `true` but `chmod`',
    }),
    directoryPermissions: documented(mapOf(virtualPath(), permissionsSchema).exactOptional(), {
      description: 'permission overrides per directory; the longest matching path wins',
    }),
    quota: documented(quotaSchema.exactOptional(), { description: '`maxBytes`, `maxFiles`' }),
    bandwidth: documented(
      z
        .strictObject({
          uploadBytesPerSecond: integer(1, Number.MAX_SAFE_INTEGER).exactOptional(),
          downloadBytesPerSecond: integer(1, Number.MAX_SAFE_INTEGER).exactOptional(),
        })
        .exactOptional(),
      { description: '`uploadBytesPerSecond`, `downloadBytesPerSecond`' },
    ),
    maxSessions: documented(integer(0, 1_000_000).exactOptional(), { description: 'concurrent sessions of the user' }),
    attributes: documented(z.record(z.string(), z.unknown()).exactOptional(), { description: 'opaque facts for the storage connector' }),
  })
  .register(configDocs, {
    unknownKeyHints: { password: 'unknown key; store a hash in "passwordHash" (run `ftp-server hash-password`)' },
  });

/** `authenticatorConfig` of `local` (`LocalAuthenticatorOptions`). */
export const localOptionsSchema = z.strictObject({
  users: documented(z.array(localUserSchema, { error: 'must be a list of users' }).exactOptional(), {
    description: 'users given inline, with the keys below',
    typeText: 'list of users',
  }),
  usersFile: documented(nonEmptyText('must be a file path').exactOptional(), {
    description: 'JSON file `{ "users": [...] }` (relative to the config file), re-read on the next login after it changes',
  }),
});

const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'HEAD'] as const;

const httpsUrlWithoutSecrets = () => {
  const message = {
    error: (issue: { readonly input?: unknown }) => (issue.input === undefined ? undefined : 'must be an http or https URL'),
  };
  return z.url({ protocol: /^https?$/, ...message }).refine((value) => {
    // Credentials in a config URL would be sent with every request and show up wherever the URL is logged.
    const url = URL.parse(value);
    return url !== null && url.username === '' && url.password === '' && url.hash === '';
  }, 'must not contain user info or a fragment');
};

/** An HTTP header name (RFC 9110 §5.1 token) the authenticator does not set itself, or false to send none. */
const headerOrFalse = () => {
  const message = 'must be a header name or false';
  return z.union(
    [
      z
        .string(message)
        .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, message)
        .refine(
          (name) => !['authorization', 'host', 'content-type', 'content-length'].includes(name.toLowerCase()),
          'must not be a header the authenticator sets itself',
        ),
      z.literal(false),
    ],
    { error: message },
  );
};

const parameterOrFalse = () => z.union([nonEmptyText(), z.literal(false)], { error: 'must be a non-empty parameter name or false' });

const positive = (description: string, defaultValue: number) =>
  documented(integer(1, Number.MAX_SAFE_INTEGER).exactOptional(), { description, defaultValue });

/** The options every `@ftp/auth-http` authenticator takes (`HttpAuthenticatorOptions`); ex_ftp's names in camelCase. */
const httpOptionsShape = {
  loginUrl: documented(httpsUrlWithoutSecrets(), { description: 'asked on every login (PASS)', typeText: 'http(s) URL' }),
  loginMethod: documented(choiceInAnyCase(httpMethods).exactOptional(), {
    description: 'method of the login request',
    defaultValue: 'GET',
  }),
  authenticatedUrl: documented(httpsUrlWithoutSecrets().exactOptional(), {
    description: 'when set, each session is re-validated here once `authenticatedTtlMs` has passed',
    typeText: 'http(s) URL',
    defaultText: 'none',
  }),
  authenticatedMethod: documented(choiceInAnyCase(httpMethods).exactOptional(), {
    description: 'method of the re-validation request',
    defaultValue: 'GET',
  }),
  authenticatedTtlMs: positive('how long a validation holds before the next command re-validates', 3_600_000),
  timeoutMs: positive('deadline of one HTTP request, connect to last body byte', 10_000),
  successStatuses: documented(nonEmptyList(integer(200, 299)).exactOptional(), {
    description: 'statuses that mean "logged in" (2xx only)',
    defaultValue: [200],
  }),
  ca: documented(
    z.union([z.string(), nonEmptyList(z.string())], { error: 'must be a PEM certificate or a list of them' }).exactOptional(),
    { description: "trusted CA certificates (PEM) for https URLs, instead of Node's bundled roots", defaultText: "Node's roots" },
  ),
  caFile: documented(nonEmptyText('must be a file path').exactOptional(), {
    description: 'a PEM file with the CA certificates, relative to the config file; not with `ca`',
  }),
  maxConnections: positive('connections per origin', 10),
  clientAddressHeader: documented(headerOrFalse().exactOptional(), {
    description: "header carrying the client's IP address; `false` sends none",
    typeText: 'header name or `false`',
    defaultValue: 'X-Forwarded-For',
  }),
  secureHeader: documented(headerOrFalse().exactOptional(), {
    description: 'header carrying `ftps` or `ftp`; `false` sends none',
    typeText: 'header name or `false`',
    defaultValue: 'X-Forwarded-Proto',
  }),
  clientAddressParameter: documented(parameterOrFalse().exactOptional(), {
    description: "query parameter carrying the client's IP address",
    typeText: 'string or `false`',
    defaultText: 'none',
  }),
  secureParameter: documented(parameterOrFalse().exactOptional(), {
    description: 'query parameter carrying `ftps` or `ftp`',
    typeText: 'string or `false`',
    defaultText: 'none',
  }),
  cacheTtlMs: documented(integer(0, Number.MAX_SAFE_INTEGER).exactOptional(), {
    description: 'keep successful logins this long (keyed by user and a salted password hash); `0` is off',
    defaultValue: 0,
  }),
  cacheMaxEntries: positive('most logins the cache keeps', 10_000),
  userFromResponse: documented(flag().exactOptional(), {
    description: 'take `homeDirectory`, `permissions` and `attributes` from a JSON body of the login response',
    defaultValue: false,
  }),
};

/** `ca` and `caFile` name the same thing twice. */
function oneCaSource(options: { readonly ca?: unknown; readonly caFile?: unknown }, context: z.RefinementCtx): void {
  if (options.ca !== undefined && options.caFile !== undefined) {
    context.addIssue({ code: 'custom', path: ['caFile'], message: 'give either ca or caFile, not both' });
  }
}

/** `authenticatorConfig` of `http-basic`, `http-digest` and `http-bearer`. */
export const httpOptionsSchema = z
  .strictObject(httpOptionsShape)
  .superRefine(oneCaSource)
  .register(configDocs, {
    unknownKeyHints: {
      scheme: "unknown key; the authenticator's name fixes the scheme, remove it",
      passwordHashType: 'unknown key; only the webhook authenticator takes it',
      password_hash_type: 'unknown key; only the webhook authenticator (ExFTP.Auth.WebhookAuth) takes it',
    },
  });

/** Digests `passwordHashType` accepts: Erlang's `:crypto` names, as ex_ftp writes them. */
const passwordHashTypes = ['md5', 'sha', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3_256', 'sha3_512'] as const;

/** `authenticatorConfig` of `webhook` (`WebhookAuthenticatorOptions`). */
export const webhookOptionsSchema = z
  .strictObject({
    ...httpOptionsShape,
    passwordHashType: documented(choiceInAnyCase(passwordHashTypes).exactOptional(), {
      description: 'digest of the password sent as `password_hash` (lower-case hex)',
      defaultValue: 'sha256',
    }),
    credentialsIn: documented(choiceInAnyCase(['query', 'form', 'json']).exactOptional(), {
      description:
        'where `username` and `password_hash` go: URL `query`, a `form` body or a `json` body (the bodies need POST, PUT or PATCH)',
      defaultValue: 'query',
    }),
  })
  .register(configDocs, { unknownKeyHints: { scheme: "unknown key; the authenticator's name fixes the scheme, remove it" } })
  .superRefine((options, context) => {
    oneCaSource(options, context);
    const placement = options.credentialsIn?.toLowerCase() ?? 'query';
    if (placement === 'query') return;
    const methods = [['loginMethod', options.loginMethod] as const];
    const checked =
      options.authenticatedUrl === undefined ? methods : [...methods, ['authenticatedMethod', options.authenticatedMethod] as const];
    for (const [key, method] of checked) {
      if (!['POST', 'PUT', 'PATCH'].includes((method ?? 'GET').toUpperCase())) {
        context.addIssue({ code: 'custom', path: [key], message: `must be POST, PUT or PATCH when credentialsIn is "${placement}"` });
      }
    }
  });

/** The keys of `authenticatorConfig` by built-in authenticator name. */
export const builtInAuthenticatorSchemas = {
  'no-auth': noOptions('no-auth'),
  passthrough: noOptions('passthrough'),
  local: localOptionsSchema,
  'http-basic': httpOptionsSchema,
  'http-digest': httpOptionsSchema,
  'http-bearer': httpOptionsSchema,
  webhook: webhookOptionsSchema,
} as const satisfies Record<string, z.ZodType>;

/** `storageConfig` of `fs` (`FsStorageOptions` of `@ftp/storage-fs`, without the ones only code can pass). */
export const fsOptionsSchema = z.strictObject({
  root: documented(nonEmptyText('must be a directory path (may contain {user})'), {
    description: 'the directory users see as `/`, relative to the config file; `{user}` is replaced by the user name',
    typeText: 'path',
    defaultText: '**required**',
    whenMissing: 'is required for the fs storage connector: a directory path (may contain {user})',
  }),
  createRoot: documented(flag().exactOptional(), {
    description: "create the user's root when a session opens; `false` refuses the session when it is missing",
    defaultValue: true,
  }),
  temporaryPrefix: documented(
    nonEmptyText()
      .refine(
        (prefix) => !/[/\\\0]/.test(prefix) && prefix !== '.' && prefix !== '..',
        'must be a file name prefix without "/", "\\" or NUL',
      )
      .exactOptional(),
    { description: 'start of the names of in-progress uploads, hidden from listings', defaultValue: '.ftp-upload-' },
  ),
  fileMode: documented(integer(0, 0o7777).exactOptional(), {
    description: 'permission bits of new files before the umask, in decimal (`420` is 0644)',
    defaultValue: 0o644,
  }),
  directoryMode: documented(integer(0, 0o7777).exactOptional(), {
    description: 'permission bits of new directories, in decimal (`493` is 0755)',
    defaultValue: 0o755,
  }),
  fsync: documented(flag().exactOptional(), { description: 'fsync every upload before reporting success', defaultValue: true }),
  readChunkBytes: documented(integer(1, Number.MAX_SAFE_INTEGER).exactOptional(), {
    description: 'size of the chunks a download reads',
    defaultValue: 512 * 1024,
  }),
  fileSystem: documented(choice(['local', 'network']).exactOptional(), {
    description: '`network` (NFS, SMB, FUSE) runs every system call in the thread pool',
    defaultValue: 'local',
  }),
  listInWorker: documented(flag().exactOptional(), { description: 'list directories in a worker thread', defaultValue: true }),
  listConcurrency: documented(integer(1, Number.MAX_SAFE_INTEGER).exactOptional(), {
    description: 'entries stat-ed at once with `fileSystem: "network"` and `listInWorker: false`',
    defaultValue: 32,
  }),
  recordChecksums: documented(z.array(choice(['SHA-1', 'SHA-256', 'SHA-512', 'MD5', 'CRC32'])).exactOptional(), {
    description:
      'digests recorded as uploads are committed, so HASH of an uploaded file needs no second read; each costs CPU on every upload',
    defaultValue: [],
  }),
  name: documented(nonEmptyText().exactOptional(), { description: 'the connector name in logs', defaultValue: 'fs' }),
  reclaimTemporaries: documented(
    z
      .union(
        [
          z.literal(false),
          z.strictObject({
            maxAgeMs: integer(1, Number.MAX_SAFE_INTEGER).exactOptional(),
            intervalMs: integer(1, 2_147_483_647).exactOptional(),
          }),
        ],
        { error: 'must be false or { maxAgeMs, intervalMs }' },
      )
      .exactOptional(),
    {
      description: 'removal of upload temporaries left by a crash: `{ maxAgeMs, intervalMs }`, or `false` for none',
      typeText: '`false` or object',
      defaultText: 'older than a day, hourly',
    },
  ),
});

/** S3 bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens. */
const bucketName = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

/** `storageConfig` of `s3` (`S3StorageOptions` of `@ftp/storage-s3`, without `client`). */
export const s3OptionsSchema = z
  .strictObject({
    bucket: documented(nonEmptyText().regex(bucketName, 'must be an S3 bucket name: 3-63 lower-case letters, digits, "." or "-"'), {
      description: "the bucket every user's files live in; it must exist",
      defaultText: '**required**',
    }),
    prefix: documented(
      z
        .string({ error: 'must be a string (may contain {user})' })
        .refine((prefix) => !prefix.includes('\0') && !/(^|\/)\.\.?(\/|$)/.test(prefix), 'must not contain NUL or "." / ".." segments')
        .exactOptional(),
      { description: "key prefix that is a user's `/`: empty for the whole bucket, `ftp/`, or `home/{user}/`", defaultValue: '' },
    ),
    region: documented(nonEmptyText().exactOptional(), {
      description: 'AWS region',
      defaultText: "the SDK's; `us-east-1` with `endpoint`",
    }),
    endpoint: documented(z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).exactOptional(), {
      description: 'endpoint of an S3-compatible service (MinIO, Ceph, R2, …)',
      typeText: 'http(s) URL',
      defaultText: 'AWS',
    }),
    forcePathStyle: documented(flag().exactOptional(), {
      description: 'address buckets as `endpoint/bucket`',
      defaultText: '`true` with `endpoint`',
    }),
    credentials: documented(
      z
        .strictObject({
          accessKeyId: nonEmptyText(),
          secretAccessKey: nonEmptyText(),
          sessionToken: nonEmptyText().exactOptional(),
        })
        .exactOptional(),
      { description: '`accessKeyId`, `secretAccessKey`, `sessionToken`', defaultText: "the SDK's chain" },
    ),
    partSize: documented(integer(5 * 1024 * 1024, 5 * 1024 * 1024 * 1024).exactOptional(), {
      description: "bytes of an upload's first 1,000 multipart parts; doubles after every 1,000",
      defaultValue: 5 * 1024 * 1024,
    }),
    queueSize: documented(integer(1, 64).exactOptional(), { description: 'parts held in memory per upload', defaultValue: 4 }),
    resumeByCopy: documented(flag().exactOptional(), {
      description: 'resume uploads (REST+STOR, APPE) with UploadPartCopy',
      defaultValue: false,
    }),
    directoryTimeLookups: documented(integer(0, 100_000).exactOptional(), {
      description: 'sub-directories per listing whose modification time is looked up',
      defaultValue: 100,
    }),
    maxRenameKeys: documented(integer(1, 1_000_000).exactOptional(), {
      description: 'most keys a directory rename copies',
      defaultValue: 1000,
    }),
    checkBucket: documented(flag().exactOptional(), {
      description: 'check the bucket with HeadBucket when a session opens',
      defaultValue: true,
    }),
    signPayload: documented(flag().exactOptional(), {
      description: 'cover upload bytes with the SigV4 signature',
      defaultText: 'over plain http only',
    }),
    maxAttempts: documented(integer(1, 10).exactOptional(), { description: 'attempts per S3 request, retries included', defaultValue: 3 }),
    contentTypeFromName: documented(flag().exactOptional(), {
      description: "give uploaded and renamed objects the Content-Type of their name's extension",
      defaultValue: true,
    }),
    name: documented(nonEmptyText().exactOptional(), { description: 'the connector name in logs', defaultValue: 's3' }),
  })
  .register(configDocs, { unknownKeyHints: { storage_bucket: `unknown key; ex_ftp's storage_bucket is "bucket" here` } });

/** The keys of `storageConfig` by built-in storage connector name. */
export const builtInStorageSchemas = {
  fs: fsOptionsSchema,
  s3: s3OptionsSchema,
} as const satisfies Record<string, z.ZodType>;
