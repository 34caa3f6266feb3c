/**
 * The admin API's OpenAPI 3.1 document, served at `GET /api/openapi.json`. Its schemas are JSON Schema 2020-12
 * (OpenAPI 3.1 §4.8.24) with `additionalProperties: false`, so the tests that check every response against them
 * notice a field the document does not describe as well as one it misses.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'FTP server admin API',
    version: '1.0.0',
    description:
      'See and steer a running FTP server. Log in with POST /api/login, then send the token as `Authorization: Bearer <token>` ' +
      'with every request. Tokens are never cookies, so another site cannot make a browser use one. Times are ISO 8601 UTC.',
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/login': {
      post: {
        summary: 'Log in as an administrator',
        operationId: 'login',
        security: [],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/LoginRequest' } } },
        },
        responses: {
          '200': { description: 'A token for the other requests', content: json('LoginResponse') },
          '400': { $ref: '#/components/responses/BadRequest' },
          '401': { description: 'Wrong name or password (counted by the defender)', content: json('Error') },
          '403': { description: 'The client address is banned by the defender', content: json('Error') },
          '413': { description: 'The body is larger than 16 KiB', content: json('Error') },
          '415': { description: 'The body is not application/json', content: json('Error') },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/api/logout': {
      post: {
        summary: 'End the token of this request',
        operationId: 'logout',
        responses: { '204': { description: 'Logged out' }, '401': { $ref: '#/components/responses/Unauthorized' } },
      },
    },
    '/api/openapi.json': {
      get: {
        summary: 'This document',
        operationId: 'openApiDocument',
        responses: {
          '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } },
          '401': { $ref: '#/components/responses/Unauthorized' },
        },
      },
    },
    '/api/server': {
      get: {
        summary: 'Version, uptime, listeners, passive ports in use and counters',
        operationId: 'serverStatus',
        responses: {
          '200': { description: 'The server', content: json('ServerStatus') },
          '401': { $ref: '#/components/responses/Unauthorized' },
        },
      },
    },
    '/api/server/restart': {
      post: {
        summary:
          'Rolling restart: replaces the worker processes one at a time (each new one listens before its old one stops taking connections; running sessions and transfers finish on the old one), reading the config file again; answered once the last one was replaced',
        operationId: 'restartServer',
        responses: {
          '200': { description: 'The workers were replaced (or the restart stopped: `complete` false)', content: json('RestartOutcome') },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '501': {
            description: 'The server runs as one process (`workers` 1): there is no worker to replace; restart the service instead',
            content: json('Error'),
          },
        },
      },
    },
    '/api/sessions': {
      get: {
        summary: 'The connected sessions with their running transfers',
        operationId: 'listSessions',
        responses: {
          '200': { description: 'The sessions', content: json('SessionList') },
          '401': { $ref: '#/components/responses/Unauthorized' },
        },
      },
    },
    '/api/sessions/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary: 'One session',
        operationId: 'getSession',
        responses: {
          '200': { description: 'The session', content: json('Session') },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { $ref: '#/components/responses/NotFound' },
        },
      },
      delete: {
        summary: 'End a session: its transfer is aborted (no partial upload is kept) and the client gets 421',
        operationId: 'endSession',
        responses: {
          '204': { description: 'The session is gone' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { $ref: '#/components/responses/NotFound' },
        },
      },
    },
    '/api/defender': {
      get: {
        summary: 'Bans, failed logins per address and the allow list',
        operationId: 'defenderState',
        responses: {
          '200': { description: 'The defender', content: json('Defender') },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/api/defender/bans/{address}': {
      parameters: [{ name: 'address', in: 'path', required: true, schema: { type: 'string' } }],
      delete: {
        summary: 'Lift a ban (on every instance of the shared state) and forget its failed logins',
        operationId: 'liftBan',
        responses: {
          '204': { description: 'Lifted' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { description: 'The address is not banned', content: json('Error') },
          '501': { description: 'The shared state cannot lift bans', content: json('Error') },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/api/defender/allow-list': {
      post: {
        summary: "Add an address or CIDR block to this server's allow list until it stops",
        operationId: 'allowAddress',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: object({ address: { type: 'string', minLength: 1, maxLength: 64 } }) } },
        },
        responses: {
          '201': { description: 'The allow list now', content: json('AllowList') },
          '400': { $ref: '#/components/responses/BadRequest' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '415': { description: 'The body is not application/json', content: json('Error') },
          '501': { description: 'The defender is off', content: json('Error') },
        },
      },
    },
    '/api/quota/{username}': {
      parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary:
          "What the user's files take, as the shared state counts them (every instance's uploads included), and the quota folders of the user's tree with their limits and usage",
        description:
          "The folders are learnt by opening the user's storage as a login would, from the user store's record (root " +
          'directory, attributes: the mounts storage adds the mounts of `attributes.mounts`). Without a user store, a ' +
          'record or a storage that opens, the usage is still answered and `folders` is null, `foldersError` saying why.',
        operationId: 'quotaUsage',
        responses: {
          '200': { description: 'The usage (null when never counted) and the quota folders', content: json('QuotaReport') },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/api/quota/{username}/rescan': {
      parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }],
      post: {
        summary:
          "Recount the user's files from the storage (the user's tree as a login sees it: root directory, attributes) and set the usage; each quota folder of the tree is recounted too",
        operationId: 'rescanQuota',
        responses: {
          '200': { description: 'The usage counted', content: json('Quota') },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { $ref: '#/components/responses/NotFound' },
          '409': {
            description:
              "The user's storage refused the user's tree (for example mounts of the record it cannot read); `message` names the cause",
            content: json('Error'),
          },
          '501': { $ref: '#/components/responses/NoUserStore' },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/api/users': {
      get: {
        summary: "The FTP users of the authenticator's user store",
        operationId: 'listUsers',
        responses: {
          '200': { description: 'The users, sorted by name', content: json('UserList') },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '501': { $ref: '#/components/responses/NoUserStore' },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
      post: {
        summary: 'Add a user; it can log in at once',
        operationId: 'addUser',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewUser' } } } },
        responses: {
          '201': { description: 'Added', headers: { ETag: { $ref: '#/components/headers/UserETag' } }, content: json('User') },
          '400': { $ref: '#/components/responses/BadRequest' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '409': { description: 'The name is taken', content: json('Error') },
          '415': { description: 'The body is not application/json', content: json('Error') },
          '501': { $ref: '#/components/responses/NoUserStore' },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/api/users/{username}': {
      parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary: 'One user',
        operationId: 'getUser',
        responses: {
          '200': { description: 'The user', headers: { ETag: { $ref: '#/components/headers/UserETag' } }, content: json('User') },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { $ref: '#/components/responses/NotFound' },
          '501': { $ref: '#/components/responses/NoUserStore' },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
      patch: {
        summary:
          "Change a user's password, enabled flag, permissions, quota, bandwidth, directories or attributes; disabling ends the user's sessions (421)",
        description:
          'Each profile field given replaces that fact whole; null removes it (the server defaults apply). Every field is ' +
          'checked before anything is written. A change applies at the next login; sessions already open keep what they ' +
          'logged in with. The audit log names the changed fields, never their values nor the password. ' +
          'With `If-Match` (the ETag of GET, or `revision` of the user as read), the change is made only if the user is ' +
          'still as read (for the profile fields, checked by the user store in the write itself); otherwise 412 and ' +
          'nothing is changed: read the user again and apply the change to it. A store that keeps no revisions answers ' +
          '412 to every If-Match but `*`. Without `If-Match` the fields given are written whatever changed since.',
        operationId: 'changeUser',
        parameters: [
          {
            name: 'If-Match',
            in: 'header',
            required: false,
            description: 'The ETag of the user as read (a quoted revision), several separated by commas, or `*` (any existing user)',
            schema: { type: 'string' },
          },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/UserChange' } } } },
        responses: {
          '200': {
            description: 'The user as changed',
            headers: { ETag: { $ref: '#/components/headers/UserETag' } },
            content: json('User'),
          },
          '400': { $ref: '#/components/responses/BadRequest' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { $ref: '#/components/responses/NotFound' },
          '409': { description: 'The user cannot be changed here (written in the server config)', content: json('Error') },
          '412': {
            description:
              'If-Match names another revision than the user has now (another writer changed it since it was read), or the ' +
              'store keeps no revisions; nothing was changed. `error` is "conflict"',
            content: json('Error'),
          },
          '415': { description: 'The body is not application/json', content: json('Error') },
          '501': {
            description: 'The authenticator keeps no users this server can change, or its store cannot change profiles',
            content: json('Error'),
          },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
      delete: {
        summary: "Delete a user; the user's sessions end (421)",
        operationId: 'deleteUser',
        responses: {
          '204': { description: 'Deleted' },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { $ref: '#/components/responses/NotFound' },
          '409': { description: 'The user cannot be changed here (written in the server config)', content: json('Error') },
          '501': { $ref: '#/components/responses/NoUserStore' },
          '503': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/api/events': {
      get: {
        summary: 'Live events (Server-Sent Events)',
        description:
          'A `text/event-stream`: each event has `event:` one of connect, disconnect, login, login-failed, upload, download, ' +
          'error (a command answered 4xx or 5xx, from a session that has logged in) and `data:` an Event object as JSON. ' +
          'A comment line is sent every 15 seconds to keep proxies from closing the stream.',
        operationId: 'events',
        responses: {
          '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '401': { $ref: '#/components/responses/Unauthorized' },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'The token of POST /api/login' },
    },
    headers: {
      UserETag: {
        description: "The user's revision, quoted (absent when the user store keeps no revisions); send it as If-Match",
        schema: { type: 'string' },
      },
    },
    responses: {
      BadRequest: { description: 'The request is malformed; `message` names the fault', content: json('Error') },
      Unauthorized: { description: 'No valid token in the Authorization header', content: json('Error') },
      NotFound: { description: 'No such resource', content: json('Error') },
      Unavailable: { description: 'A backend (the shared state, the user store) did not answer', content: json('Error') },
      NoUserStore: { description: 'The authenticator keeps no users this server can change', content: json('Error') },
    },
    schemas: {
      Error: object({
        error: {
          type: 'string',
          description: 'A stable code',
          enum: [
            'bad_request',
            'unauthorized',
            'banned',
            'not_found',
            'conflict',
            'read_only',
            'not_supported',
            'method_not_allowed',
            'unsupported_media_type',
            'payload_too_large',
            'unavailable',
            'internal',
          ],
        },
        message: { type: 'string' },
      }),
      LoginRequest: object({
        username: { type: 'string', minLength: 1, maxLength: 64 },
        password: { type: 'string', maxLength: 1024 },
      }),
      LoginResponse: object({
        token: { type: 'string', minLength: 32 },
        username: { type: 'string' },
        expiresAt: { type: 'string', format: 'date-time' },
      }),
      Transfer: object({
        command: { type: 'string', enum: ['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD'] },
        path: { type: 'string' },
        direction: { type: 'string', enum: ['download', 'upload'] },
        bytes: { type: 'integer', minimum: 0 },
        startedAt: { type: 'string', format: 'date-time' },
        bytesPerSecond: { type: 'integer', minimum: 0, description: 'Average since the transfer started' },
      }),
      Session: object({
        id: { type: 'string' },
        username: { type: ['string', 'null'], description: 'null before login' },
        remoteAddress: { type: 'string' },
        secure: { type: 'boolean', description: 'The control connection is protected by TLS' },
        connectedAt: { type: 'string', format: 'date-time' },
        command: { type: ['string', 'null'], description: 'The command running now' },
        transfer: { oneOf: [{ $ref: '#/components/schemas/Transfer' }, { type: 'null' }] },
      }),
      User: object({
        username: { type: 'string' },
        enabled: { type: 'boolean' },
        writable: { type: 'boolean', description: 'false for a user written in the server config, which the API cannot change' },
        homeDirectory: { type: ['string', 'null'] },
        rootDirectory: { type: ['string', 'null'] },
        permissions: { $ref: '#/components/schemas/Permissions' },
        directoryPermissions: { $ref: '#/components/schemas/DirectoryPermissions' },
        quota: { oneOf: [{ $ref: '#/components/schemas/QuotaLimits' }, { type: 'null' }], description: 'null: no limit' },
        bandwidth: { oneOf: [{ $ref: '#/components/schemas/Bandwidth' }, { type: 'null' }], description: 'null: no limit' },
        attributes: { $ref: '#/components/schemas/Attributes' },
        revision: {
          type: ['string', 'null'],
          description:
            "A token of the user's record that changes whenever it changes (the ETag of GET /api/users/{username}, unquoted); " +
            'null when the user store keeps no revisions',
        },
      }),
      UserList: object({
        users: { type: 'array', items: { $ref: '#/components/schemas/User' } },
        profileChanges: {
          type: 'boolean',
          description: 'Whether PATCH /api/users/{username} can change permissions, quota, bandwidth and directories here',
        },
      }),
      Permissions: {
        ...object(
          {
            list: { type: 'boolean' },
            download: { type: 'boolean' },
            upload: { type: 'boolean' },
            overwrite: { type: 'boolean' },
            delete: { type: 'boolean' },
            rename: { type: 'boolean' },
            makeDirectory: { type: 'boolean' },
            setModifiedTime: { type: 'boolean' },
            chmod: { type: 'boolean' },
          },
          [],
        ),
        description: "The flags set for the user; a flag left out follows the server's userDefaults, then true (chmod: false)",
      },
      DirectoryPermissions: {
        type: 'object',
        description: 'Permission overrides keyed by absolute directory path; the longest matching path wins',
        additionalProperties: { $ref: '#/components/schemas/Permissions' },
      },
      Attributes: {
        type: ['object', 'null'],
        description:
          "The user's facts for the storage connector (null: none), a JSON object: the mounts storage adds the mounts of " +
          '`mounts` to the user\'s tree ({ "/path": "connector" or { connector, rootDirectory?, crossMountRename?, quota? } }); ' +
          'a record whose mounts it cannot read gets no session',
      },
      QuotaLimits: object({ maxBytes: count(), maxFiles: count() }, []),
      Bandwidth: object({ uploadBytesPerSecond: rate(), downloadBytesPerSecond: rate() }, []),
      NewUser: {
        type: 'object',
        required: ['username', 'password'],
        properties: {
          username: { type: 'string', minLength: 1, maxLength: 255 },
          password: { type: 'string', minLength: 1, maxLength: 1024, description: 'Stored as a hash only' },
          enabled: { type: 'boolean', default: true },
          homeDirectory: { type: 'string' },
          rootDirectory: { type: 'string' },
          permissions: { $ref: '#/components/schemas/Permissions' },
          directoryPermissions: { $ref: '#/components/schemas/DirectoryPermissions' },
          quota: { $ref: '#/components/schemas/QuotaLimits' },
          bandwidth: { $ref: '#/components/schemas/Bandwidth' },
          maxSessions: count(),
          attributes: { type: 'object' },
        },
        additionalProperties: false,
      },
      UserChange: object(
        {
          password: { type: 'string', minLength: 1, maxLength: 1024 },
          enabled: { type: 'boolean' },
          homeDirectory: { type: ['string', 'null'], pattern: '^/' },
          rootDirectory: { type: ['string', 'null'], pattern: '^/' },
          permissions: { oneOf: [{ $ref: '#/components/schemas/Permissions' }, { type: 'null' }] },
          directoryPermissions: { oneOf: [{ $ref: '#/components/schemas/DirectoryPermissions' }, { type: 'null' }] },
          quota: { oneOf: [{ $ref: '#/components/schemas/QuotaLimits' }, { type: 'null' }] },
          bandwidth: { oneOf: [{ $ref: '#/components/schemas/Bandwidth' }, { type: 'null' }] },
          attributes: { $ref: '#/components/schemas/Attributes' },
        },
        [],
      ),
      Defender: object({
        enabled: { type: 'boolean' },
        bans: {
          type: ['array', 'null'],
          description: 'null when the shared state cannot list bans',
          items: object({ address: { type: 'string' }, until: { type: 'string', format: 'date-time' } }),
        },
        failures: {
          type: ['array', 'null'],
          description: "Failed logins per address within the defender's window; null when the shared state cannot list them",
          items: object({ address: { type: 'string' }, count: { type: 'integer', minimum: 1 } }),
        },
        allowList: { type: 'array', items: { type: 'string' } },
      }),
      Quota: object({
        username: { type: 'string' },
        usage: { $ref: '#/components/schemas/QuotaUsage' },
      }),
      QuotaUsage: { oneOf: [object({ bytes: count(), files: count() }), { type: 'null' }], description: 'null: never counted' },
      QuotaReport: object({
        username: { type: 'string' },
        usage: { $ref: '#/components/schemas/QuotaUsage' },
        folders: {
          description:
            "The quota folders of the user's tree, by path: each counts its files in its own account (shared by every user whose tree has the folder) instead of the user's. Null when unknown",
          oneOf: [{ type: 'array', items: { $ref: '#/components/schemas/QuotaFolder' } }, { type: 'null' }],
        },
        foldersError: {
          type: ['string', 'null'],
          description: 'Why `folders` is null (no user store, no such user, a storage that did not open)',
        },
      }),
      QuotaFolder: object({
        name: { type: 'string', description: "The folder's account" },
        path: { type: 'string', description: "Where the folder appears in the user's tree" },
        maxBytes: { type: ['integer', 'null'], minimum: 0, description: 'null: no limit' },
        maxFiles: { type: ['integer', 'null'], minimum: 0, description: 'null: no limit' },
        usage: { $ref: '#/components/schemas/QuotaUsage' },
      }),
      AllowList: object({ allowList: { type: 'array', items: { type: 'string' } } }),
      SessionList: object({ sessions: { type: 'array', items: { $ref: '#/components/schemas/Session' } } }),
      Listener: object({
        kind: { type: 'string', enum: ['control', 'implicit-tls'] },
        address: { type: 'string' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
      }),
      Counters: object({
        connections: count(),
        logins: count(),
        failedLogins: count(),
        uploads: count(),
        downloads: count(),
        bytesUploaded: count(),
        bytesDownloaded: count(),
      }),
      ServerStatus: object({
        version: { type: 'string' },
        startedAt: { type: 'string', format: 'date-time' },
        uptimeSeconds: { type: 'integer', minimum: 0 },
        listeners: { type: 'array', items: { $ref: '#/components/schemas/Listener' } },
        sessions: count(),
        passivePortsInUse: count(),
        defenderEnabled: { type: 'boolean' },
        counters: { $ref: '#/components/schemas/Counters' },
        workers: {
          description:
            "Each worker process's share (`workers` 2 or more); a worker that did not answer in time is listed with `answered` false and left out of the totals. Null for one process",
          oneOf: [{ type: 'array', items: { $ref: '#/components/schemas/Worker' } }, { type: 'null' }],
        },
      }),
      Worker: object({
        id: { type: 'integer', minimum: 1 },
        pid: { type: ['integer', 'null'] },
        answered: { type: 'boolean' },
        sessions: count(),
        passivePortsInUse: count(),
      }),
      RestartOutcome: object({
        replaced: { ...count(), description: 'How many worker processes were replaced' },
        complete: {
          type: 'boolean',
          description: 'False when a new worker did not start: the restart stopped there and the old workers left keep serving',
        },
      }),
      Event: {
        type: 'object',
        description: 'The payload of one event; the fields beyond the session facts depend on the event type',
        required: ['at', 'sessionId', 'remoteAddress', 'username'],
        properties: {
          at: { type: 'string', format: 'date-time' },
          sessionId: { type: 'string' },
          remoteAddress: { type: 'string' },
          username: { type: ['string', 'null'] },
          attemptedUsername: { type: 'string' },
          path: { type: 'string' },
          bytes: { type: 'integer', minimum: 0 },
          durationMs: { type: 'integer', minimum: 0 },
          command: { type: 'string' },
          replyCode: { type: 'integer' },
        },
        additionalProperties: false,
      },
    },
  },
} as const;

function json(schema: string) {
  return { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } };
}

function count() {
  return { type: 'integer', minimum: 0 } as const;
}

function rate() {
  return { type: 'integer', minimum: 1, description: 'Bytes per second' } as const;
}

/** An object schema that allows no other property; every property is required unless `required` names fewer. */
function object<P extends Record<string, unknown>>(properties: P, required: readonly string[] = Object.keys(properties)) {
  return { type: 'object', required, properties, additionalProperties: false } as const;
}
