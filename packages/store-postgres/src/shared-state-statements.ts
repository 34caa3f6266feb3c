import type { SqlNames } from './sql-names.ts';

/**
 * An instance takes a quota lease (or more of one), or a block of session slots, only while what is left under the
 * limit is at least this many times the ask: far from the limit. Near it, what a lease or a block would hold back
 * unused could refuse another instance's upload or session that fits.
 */
export const leaseRoomFactor = 8;

/**
 * The statements of the shared state, one per call and each a single statement (its own transaction), so every call
 * is one round trip. Limits are kept by conditional row updates: PostgreSQL locks the row an UPDATE (or an INSERT ...
 * ON CONFLICT DO UPDATE) changes and evaluates its WHERE again on the newest version once it holds the lock, so two
 * instances that update one counter at once are serialised and neither can pass a limit the other already reached.
 * Every time is the database's `now()`, never an instance's clock.
 *
 * Lock order. A statement that locks several rows takes them in this order, so no two statements can each hold a row
 * the other waits for (a deadlock, which PostgreSQL ends by aborting one of them):
 * 1. instances, by id (only the sweep locks more than one);
 * 2. session counters (`session_counts`), by scope then key; then the grants that hold part of them (`session_slots`,
 *    and `instance_sessions` of releases before slot ids);
 * 3. users' quota accounts (`quota_usage`), by name; then their reservations and leases;
 * 4. quota folders' accounts (`quota_folder_usage`), by name; then their reservations and leases;
 * 5. upload locks.
 * An account row comes before any reservation in it, and a counter before any grant of it; a statement locks the
 * account of each record it will change first (found from the record, whose account never changes), so two statements
 * that both change a record both queue for its account first, and the second holds nothing the first needs. Among
 * records that way there is no order to keep. A row a statement inserts under a new unique id (a grant, a
 * settlement) is invisible to every other statement until it commits, so inserting it takes no lock anyone waits for.
 * In a statement of several steps (CTEs), PostgreSQL runs a data-modifying step when it is first read, and the steps
 * nothing reads after the main query, in no order it promises: a step that must lock after another reads it in its
 * WHERE (`(SELECT count(*) FROM step) >= 0`, always true, evaluated once before any row). The defender's tables are
 * apart: a ban before the failed logins of its address; the failed logins themselves are deleted in whatever order
 * the plan reads them (by `liftBan`, `recordLoginFailure` and the tidying), which two of them could only conflict on
 * in a rare race that a retry resolves. A statement PostgreSQL still aborts as a deadlock's victim (also an instance
 * of an earlier release, or an operator's transaction, which keep no such order) is run again by the shared state.
 */
export function sharedStateStatements(names: SqlNames) {
  const { instances, sessionCounts, instanceSessions, sessionSlots, loginFailures, bans, uploadLocks } = names;
  const users = userAccounts(names);
  const folders = folderAccounts(names);
  return {
    /**
     * $1 instance id. Registers the instance, or renews its lease; `registered` is true when it had no row (its first
     * heartbeat, or a sweep dropped it and all it held).
     */
    heartbeat: `INSERT INTO ${instances} (id, seen_at) VALUES ($1, now()) ON CONFLICT (id) DO UPDATE SET seen_at = now()
      RETURNING xmax = 0 AS registered`,

    /**
     * $1 lease in ms, $2 an instance id that is dead whatever its lease (its own close), or null. Drops every instance
     * whose lease ran out, with what it held: its session slots are taken off the counts, its open quota reservations
     * (in users' accounts and in quota folders') are marked dropped and taken off the reserved totals (a late commit
     * of one still applies its usage), its upload locks go. Open reservations of an instance without a row go too: an
     * instance of the release before quota folders sweeps a dead one without its folders' reservations, and an instance
     * a sweep took for dead may reserve before its next heartbeat registers it again.
     */
    sweep: `WITH dead AS (
        DELETE FROM ${instances} WHERE id IN (
          SELECT id FROM ${instances} WHERE seen_at < now() - $1::float8 * interval '1 millisecond' OR id = $2
          ORDER BY id FOR UPDATE
        ) RETURNING id
      ), session_keys AS (
        SELECT scope, key FROM ${sessionSlots} WHERE instance_id IN (SELECT id FROM dead)
        UNION SELECT scope, key FROM ${instanceSessions} WHERE instance_id IN (SELECT id FROM dead)
      ), counters AS (
        SELECT 1 FROM ${sessionCounts} c WHERE (c.scope, c.key) IN (SELECT scope, key FROM session_keys)
        ORDER BY c.scope, c.key FOR UPDATE OF c
      ), slots AS (
        DELETE FROM ${sessionSlots} s USING dead WHERE s.instance_id = dead.id AND (SELECT count(*) FROM counters) >= 0
        RETURNING s.scope, s.key, s.slots AS count
      ), older_slots AS (
        -- What instances of a release before the slot ids counted.
        DELETE FROM ${instanceSessions} s USING dead WHERE s.instance_id = dead.id AND (SELECT count(*) FROM counters) >= 0
        RETURNING s.scope, s.key, s.count
      ), session_totals AS (
        SELECT scope, key, sum(count)::integer AS count FROM (SELECT * FROM slots UNION ALL SELECT * FROM older_slots) freed
        GROUP BY scope, key
      ), sessions_freed AS (
        UPDATE ${sessionCounts} c SET count = greatest(0, c.count - t.count)
        FROM session_totals t WHERE c.scope = t.scope AND c.key = t.key RETURNING 1
      ), ${droppedReservations('user', users, 'sessions_freed', instances)},
      ${droppedReservations('folder', folders, 'user_quota_freed', instances)}, locks AS (
        DELETE FROM ${uploadLocks} l USING dead WHERE l.instance_id = dead.id AND (SELECT count(*) FROM folder_quota_freed) >= 0
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM dead)::integer AS instances`,

    /** $1 the longest failure window seen in ms. Forgets what no rule reads any more. */
    tidy: [
      `DELETE FROM ${loginFailures} WHERE at < now() - $1::float8 * interval '1 millisecond'`,
      `DELETE FROM ${bans} WHERE until < now()`,
      `DELETE FROM ${sessionCounts} WHERE (scope, key) IN (
        SELECT scope, key FROM ${sessionCounts} WHERE count = 0 ORDER BY scope, key FOR UPDATE
      )`,
      `DELETE FROM ${instanceSessions} WHERE count = 0`,
      // Ended reservations are kept a day, so a commit retried after a lost answer is still recognised as done.
      `DELETE FROM ${users.reservations} WHERE committed AND updated_at < now() - interval '1 day'`,
      `DELETE FROM ${folders.reservations} WHERE committed AND updated_at < now() - interval '1 day'`,
    ],

    /**
     * $1 scope, $2 key, $3 limit or null, $4 instance id, $5 the grant's id, $6 slots wanted: 1, or a block (see
     * `PostgresSharedState.acquireSession`), which under a limit is granted only while the count stays
     * `leaseRoomFactor` blocks below it, so near a limit every slot is counted alone. Records the grant under its id,
     * which `releaseSessions` takes back exactly once.
     */
    acquireSession: `WITH ban AS (
        SELECT 1 FROM ${bans} WHERE $1 = 'address' AND address = $2 AND until > now()
      ), taken AS (
        INSERT INTO ${sessionCounts} AS c (scope, key, count)
        SELECT $1, $2, $6::integer
        WHERE NOT EXISTS (SELECT 1 FROM ban)
          AND ($3::integer IS NULL OR ($6::integer = 1 AND $3::integer >= 1) OR ${leaseRoomFactor} * $6::integer <= $3::integer)
        ON CONFLICT (scope, key) DO UPDATE SET count = c.count + $6::integer
        WHERE $3::integer IS NULL OR ($6::integer = 1 AND c.count < $3::integer) OR c.count + ${leaseRoomFactor} * $6::integer <= $3::integer
        RETURNING 1
      ), granted AS (
        INSERT INTO ${sessionSlots} (id, instance_id, scope, key, slots)
        SELECT $5, $4, $1, $2, $6::integer FROM taken
        RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM ban) AS banned, EXISTS (SELECT 1 FROM granted) AS taken`,

    /**
     * $1 grant ids. Gives back the slots of each grant that still exists, in one statement for any number of them: a
     * grant already given back (a retry after a lost answer) or dropped by a sweep frees nothing. The counters are
     * locked first, in order, so two instances that give back grants of the same keys at once queue for them rather
     * than deadlock.
     */
    releaseSessions: `WITH counters AS (
        SELECT 1 FROM ${sessionCounts} c
        WHERE (c.scope, c.key) IN (SELECT scope, key FROM ${sessionSlots} WHERE id = ANY($1::text[]))
        ORDER BY c.scope, c.key FOR UPDATE OF c
      ), freed AS (
        DELETE FROM ${sessionSlots} WHERE id = ANY($1::text[]) AND (SELECT count(*) FROM counters) >= 0
        RETURNING scope, key, slots
      ), totals AS (
        SELECT scope, key, sum(slots)::integer AS slots FROM freed GROUP BY scope, key
      )
      UPDATE ${sessionCounts} c SET count = greatest(0, c.count - t.slots)
      FROM totals t WHERE c.scope = t.scope AND c.key = t.key`,

    /** The bans in force, each with how long it has to run, in ms: what an instance that watches bans starts from. */
    activeBans: `SELECT address, (extract(epoch FROM until - now()) * 1000)::float8 AS remaining FROM ${bans} WHERE until > now()`,

    /** $1 address. */
    isBanned: `SELECT EXISTS (SELECT 1 FROM ${bans} WHERE address = $1 AND until > now()) AS banned`,

    /** The admin API's list: the bans in force, each with its end in ms since the epoch (the database's clock). */
    defenderBans: `SELECT address, (extract(epoch FROM until) * 1000)::float8 AS until FROM ${bans} WHERE until > now() ORDER BY address`,

    /** $1 window ms. The admin API's list: failed logins per address within the window. */
    defenderFailures: `SELECT key AS address, count(*)::integer AS count FROM ${loginFailures}
      WHERE scope = 'address' AND at > now() - $1::float8 * interval '1 millisecond' GROUP BY key ORDER BY key`,

    /**
     * $1 address, $2 the channel bans are announced on. Lifts the address's ban and forgets its failed logins; the lift
     * is announced ("lift <address>") so that instances holding the ban drop it at once.
     */
    liftBan: `WITH lifted AS (
        DELETE FROM ${bans} WHERE address = $1 RETURNING until > now() AS in_force
      ), forgotten AS (
        DELETE FROM ${loginFailures} WHERE scope = 'address' AND key = $1
      )
      SELECT coalesce((SELECT bool_or(in_force) FROM lifted), false) AS lifted,
        (SELECT count(pg_notify($2, 'lift ' || $1)) FROM lifted) AS announced`,

    /**
     * $1 address, $2 user name, $3 max per address, $4 max per user, $5 window ms, $6 ban ms, $7 the channel bans are
     * announced on (payload: the ban's ms, a space, the address).
     */
    recordLoginFailure: `WITH counts AS (
        SELECT
          (SELECT count(*) FROM ${loginFailures} WHERE scope = 'address' AND key = $1 AND at > now() - $5::float8 * interval '1 millisecond') + 1 AS by_address,
          (SELECT count(*) FROM ${loginFailures} WHERE scope = 'user' AND key = $2 AND at > now() - $5::float8 * interval '1 millisecond') + 1 AS by_user
      ), verdict AS (
        SELECT by_address >= $3 OR by_user > $4 AS ban FROM counts
      ), logged AS (
        INSERT INTO ${loginFailures} (scope, key, at)
        SELECT 'address', $1, now() FROM verdict WHERE NOT ban
        UNION ALL SELECT 'user', $2, now()
      ), banned AS (
        INSERT INTO ${bans} AS b (address, until)
        SELECT $1, now() + $6::float8 * interval '1 millisecond' FROM verdict WHERE ban
        ON CONFLICT (address) DO UPDATE SET until = greatest(b.until, excluded.until)
        RETURNING 1
      ), forgotten AS (
        DELETE FROM ${loginFailures} WHERE scope = 'address' AND key = $1 AND EXISTS (SELECT 1 FROM banned)
      )
      SELECT EXISTS (SELECT 1 FROM banned) AS banned,
        -- Every instance that serves address slots from its own blocks learns of the ban at once (see \`bansNotice\`).
        (SELECT count(pg_notify($7, ($6::float8)::text || ' ' || $1)) FROM banned) AS announced`,

    /**
     * $1 reservation id. Ends the reservation unused, in whichever account it was made: a user's or a quota folder's
     * (only one of the two has it).
     */
    releaseReservation: `WITH ${endedReservation('user', users)}, ${endedReservation('folder', folders, 'user_released')}
      SELECT 1`,

    /** $1 user name, $2 path, $3 instance id. */
    acquireUploadLock: `INSERT INTO ${uploadLocks} (username, path, instance_id) VALUES ($1, $2, $3) ON CONFLICT (username, path) DO NOTHING`,

    /** $1 user name, $2 path, $3 instance id. */
    releaseUploadLock: `DELETE FROM ${uploadLocks} WHERE username = $1 AND path = $2 AND instance_id = $3`,

    /** Reads a shared-state table, so a missing schema or a revoked grant fails the probe too. */
    health: `SELECT 1 FROM ${instances} LIMIT 0`,
  };
}

export type SharedStateStatements = ReturnType<typeof sharedStateStatements>;

/** The tables of one kind of quota account, and the column that names the account in both. */
interface QuotaAccountTables {
  readonly usage: string;
  readonly reservations: string;
  readonly key: 'username' | 'folder';
}

function userAccounts(names: SqlNames): QuotaAccountTables {
  return { usage: names.quotaUsage, reservations: names.quotaReservations, key: 'username' };
}

function folderAccounts(names: SqlNames): QuotaAccountTables {
  return { usage: names.quotaFolderUsage, reservations: names.quotaFolderReservations, key: 'folder' };
}

/**
 * The quota statements of one account, by its kind: `user` counts in a user's own account (the tables of version 2),
 * `folder` in a quota folder's, which every user whose tree has the folder shares (version 4). Both kinds run the
 * same statements on tables of the same shape, so reservations, leases and their settlements, and a dead instance's
 * sweep keep a folder's limits exactly as a user's.
 */
export function quotaAccountStatements(names: SqlNames) {
  return { user: accountStatements(userAccounts(names)), folder: accountStatements(folderAccounts(names)) };
}

export type QuotaAccountKind = keyof ReturnType<typeof quotaAccountStatements>;
export type QuotaStatementName = keyof ReturnType<typeof accountStatements>;

function accountStatements({ usage, reservations, key }: QuotaAccountTables) {
  return {
    /** $1 account name. */
    quotaUsage: `SELECT used_bytes::float8 AS bytes, used_files::float8 AS files FROM ${usage} WHERE ${key} = $1 AND counted`,

    /** $1 account name, $2 bytes, $3 files. */
    setQuotaUsage: `INSERT INTO ${usage} (${key}, used_bytes, used_files, counted) VALUES ($1, $2, $3, true)
      ON CONFLICT (${key}) DO UPDATE SET used_bytes = $2, used_files = $3, counted = true`,

    /** $1 account name. Makes the account's row, so that reservations have one to lock. */
    createQuotaRow: `INSERT INTO ${usage} (${key}) VALUES ($1) ON CONFLICT (${key}) DO NOTHING`,

    /**
     * $1 account name, $2 reservation id, $3 bytes, $4 files, $5 max bytes or null, $6 max files or null, $7 instance id.
     * Answers `granted` null when the files do not fit (or the account has no row yet: `known` false). A reservation
     * a sweep dropped (its instance was taken for dead while the upload ran on) is opened again with what this call
     * grants: the sweep took what it held off the account, and its commit takes off only what an open one holds.
     */
    reserveQuota: `WITH reserved AS (
        UPDATE ${usage} SET
          last_grant = CASE WHEN $5::bigint IS NULL THEN $3::bigint ELSE least($3::bigint, greatest(0, $5::bigint - used_bytes - reserved_bytes)) END,
          reserved_bytes = reserved_bytes + CASE WHEN $5::bigint IS NULL THEN $3::bigint ELSE least($3::bigint, greatest(0, $5::bigint - used_bytes - reserved_bytes)) END,
          reserved_files = reserved_files + $4::bigint
        WHERE ${key} = $1 AND ($4::bigint = 0 OR $6::bigint IS NULL OR used_files + reserved_files + $4::bigint <= $6::bigint)
        RETURNING last_grant
      ), mine AS (
        INSERT INTO ${reservations} AS r (id, instance_id, ${key}, bytes, files)
        SELECT $2, $7, $1, last_grant, $4::bigint FROM reserved
        ON CONFLICT (id) DO UPDATE SET
          bytes = CASE WHEN r.dropped THEN 0 ELSE r.bytes END + excluded.bytes,
          files = CASE WHEN r.dropped THEN 0 ELSE r.files END + excluded.files,
          dropped = false, instance_id = excluded.instance_id, updated_at = now()
        RETURNING 1
      )
      SELECT (SELECT last_grant::float8 FROM reserved) AS granted, EXISTS (SELECT 1 FROM ${usage} WHERE ${key} = $1) AS known`,

    /**
     * $1 account name, $2 reservation id, $3 bytes change, $4 files change, $5 instance id. Ends the reservation and
     * applies the change once: a reservation already ended changes nothing; one a sweep dropped no longer counts as
     * reserved but its change still applies; an id never seen is recorded as ended and applied.
     */
    commitReservation: `WITH account AS (
        -- The account's row before the reservation's (see the lock order).
        SELECT 1 FROM ${usage} WHERE ${key} = $1 FOR UPDATE
      ), previous AS (
        SELECT 1 FROM ${reservations} WHERE id = $2
      ), ended AS (
        UPDATE ${reservations} SET committed = true, updated_at = now()
        WHERE id = $2 AND NOT committed AND (SELECT count(*) FROM account) >= 0
        RETURNING CASE WHEN dropped THEN 0 ELSE bytes END AS bytes, CASE WHEN dropped THEN 0 ELSE files END AS files
      ), recorded AS (
        INSERT INTO ${reservations} (id, instance_id, ${key}, committed, dropped)
        SELECT $2, $5, $1, true, true WHERE NOT EXISTS (SELECT 1 FROM previous) AND (SELECT count(*) FROM account) >= 0
        ON CONFLICT (id) DO NOTHING
        RETURNING 1
      ), applied AS (
        SELECT coalesce((SELECT bytes FROM ended), 0) AS bytes, coalesce((SELECT files FROM ended), 0) AS files,
          EXISTS (SELECT 1 FROM ended) OR EXISTS (SELECT 1 FROM recorded) AS applies
      )
      UPDATE ${usage} q SET
        used_bytes = greatest(0, q.used_bytes + $3::bigint),
        used_files = greatest(0, q.used_files + $4::bigint),
        reserved_bytes = greatest(0, q.reserved_bytes - applied.bytes),
        reserved_files = greatest(0, q.reserved_files - applied.files)
      FROM applied WHERE q.${key} = $1 AND applied.applies`,

    /**
     * $1 account name, $2 lease id, $3 bytes, $4 files, $5 max bytes or null, $6 max files or null, $7 instance id. Adds
     * to an instance's quota lease (a reservation it serves uploads from) all that is asked or nothing: nothing once
     * what is left under a limit is less than `leaseRoomFactor` times the ask, so leases exist only far from a limit
     * and near it every upload reserves exactly. `granted` is false then, or when the lease has ended (a sweep
     * dropped it), or the account has no row yet (`known` false).
     */
    extendLease: `WITH room AS (
        SELECT 1 FROM ${usage}
        WHERE ${key} = $1
          AND ($5::bigint IS NULL OR $5::bigint - used_bytes - reserved_bytes >= ${leaseRoomFactor} * $3::bigint)
          AND ($6::bigint IS NULL OR $6::bigint - used_files - reserved_files >= ${leaseRoomFactor} * $4::bigint)
          AND NOT EXISTS (SELECT 1 FROM ${reservations} WHERE id = $2 AND (committed OR dropped))
        FOR UPDATE
      ), reserved AS (
        UPDATE ${usage} q SET reserved_bytes = q.reserved_bytes + $3::bigint, reserved_files = q.reserved_files + $4::bigint
        WHERE q.${key} = $1 AND EXISTS (SELECT 1 FROM room)
        RETURNING 1
      ), lease AS (
        INSERT INTO ${reservations} AS r (id, instance_id, ${key}, bytes, files)
        SELECT $2, $7, $1, $3::bigint, $4::bigint FROM reserved
        ON CONFLICT (id) DO UPDATE SET bytes = r.bytes + excluded.bytes, files = r.files + excluded.files, updated_at = now()
        RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM reserved) AS granted, EXISTS (SELECT 1 FROM ${usage} WHERE ${key} = $1) AS known`,

    /**
     * $1 account name, $2 settlement id, $3 lease id, $4 bytes change, $5 files change, $6 bytes and $7 files the
     * uploads stored out of the lease, $8 whether the lease ends, $9 instance id, $10 the ids of the uploads settled.
     * Applies the usage change of uploads served from the lease and takes what they stored off it (all of it when it
     * ends), in one step and once: the settlement id, and each upload's, is recorded like an ended reservation, so a
     * retry changes nothing and neither does a later commit of one of the uploads. A lease a sweep dropped no longer
     * counts as reserved: nothing is taken off it, but the usage still applies. Answers the account's usage and
     * reservations after it, so the instance can tell when a limit comes near.
     */
    settleLease: `WITH usage AS (
        -- The account's row before the lease's (see the lock order).
        SELECT 1 FROM ${usage} WHERE ${key} = $1 FOR UPDATE
      ), fresh AS (
        INSERT INTO ${reservations} (id, instance_id, ${key}, committed, dropped)
        SELECT $2, $9, $1, true, true WHERE (SELECT count(*) FROM usage) >= 0
        ON CONFLICT (id) DO NOTHING
        RETURNING 1
      ), uploads AS (
        INSERT INTO ${reservations} (id, instance_id, ${key}, committed, dropped)
        SELECT upload, $9, $1, true, true FROM unnest($10::text[]) AS upload WHERE EXISTS (SELECT 1 FROM fresh)
        ON CONFLICT (id) DO NOTHING
      ), held AS (
        SELECT bytes, files FROM ${reservations}
        WHERE id = $3 AND NOT committed AND NOT dropped AND EXISTS (SELECT 1 FROM usage) AND EXISTS (SELECT 1 FROM fresh)
        FOR UPDATE
      ), taken AS (
        SELECT CASE WHEN $8::boolean THEN bytes ELSE least($6::bigint, bytes) END AS bytes,
          CASE WHEN $8::boolean THEN files ELSE least($7::bigint, files) END AS files
        FROM held
      ), lease AS (
        UPDATE ${reservations} r SET bytes = r.bytes - taken.bytes, files = r.files - taken.files,
          committed = $8::boolean, updated_at = now()
        FROM taken WHERE r.id = $3
      )
      UPDATE ${usage} q SET
        used_bytes = greatest(0, q.used_bytes + $4::bigint),
        used_files = greatest(0, q.used_files + $5::bigint),
        reserved_bytes = greatest(0, q.reserved_bytes - coalesce((SELECT bytes FROM taken), 0)),
        reserved_files = greatest(0, q.reserved_files - coalesce((SELECT files FROM taken), 0))
      WHERE q.${key} = $1 AND EXISTS (SELECT 1 FROM fresh)
      RETURNING (q.used_bytes + q.reserved_bytes)::float8 AS bytes, (q.used_files + q.reserved_files)::float8 AS files`,

    /** $1 account name, $2 bytes change, $3 files change: DELE and RNTO, which have no reservation. */
    changeUsage: `UPDATE ${usage} SET used_bytes = greatest(0, used_bytes + $2::bigint), used_files = greatest(0, used_files + $3::bigint)
      WHERE ${key} = $1`,
  };
}

/**
 * CTEs of the sweep (after its `dead`), once its step `after` has run: marks dropped the open reservations in accounts
 * of `kind` of the dead instances, and of instances that have no row in `instances` any more, and takes them off the
 * reserved totals. Those without a row: an instance of a release before this kind of account sweeps a dead instance's
 * row without them, and an instance a sweep dropped while it still ran may reserve before its heartbeat registers it
 * again (an instance makes its first reservation after its first heartbeat); either would stay reserved for good.
 */
function droppedReservations(kind: string, { usage, reservations, key }: QuotaAccountTables, after: string, instances: string): string {
  // The statement's snapshot still shows the rows `dead` deletes: those are matched by `dead` itself.
  const open = `NOT r.committed AND NOT r.dropped
          AND (r.instance_id IN (SELECT id FROM dead) OR NOT EXISTS (SELECT 1 FROM ${instances} i WHERE i.id = r.instance_id))`;
  // The accounts first, in order (see the lock order above); the reservations' accounts never change.
  return `${kind}_accounts AS (
        SELECT 1 FROM ${usage} q WHERE q.${key} IN (SELECT r.${key} FROM ${reservations} r WHERE ${open})
          AND (SELECT count(*) FROM ${after}) >= 0
        ORDER BY q.${key} FOR UPDATE OF q
      ), ${kind}_reservations AS (
        UPDATE ${reservations} r SET dropped = true, updated_at = now()
        WHERE ${open} AND (SELECT count(*) FROM ${kind}_accounts) >= 0
        RETURNING r.${key} AS account, r.bytes, r.files
      ), ${kind}_reservation_totals AS (
        SELECT account, sum(bytes) AS bytes, sum(files) AS files FROM ${kind}_reservations GROUP BY account
      ), ${kind}_quota_freed AS (
        UPDATE ${usage} q SET reserved_bytes = greatest(0, q.reserved_bytes - t.bytes), reserved_files = greatest(0, q.reserved_files - t.files)
        FROM ${kind}_reservation_totals t WHERE q.${key} = t.account RETURNING 1
      )`;
}

/**
 * CTEs of `releaseReservation`: ends reservation $1 unused if it is an open one in accounts of `kind`, and takes what
 * it still reserved (nothing once a sweep dropped it) off the account's totals; after the step `after`, if given.
 */
function endedReservation(kind: string, { usage, reservations, key }: QuotaAccountTables, after?: string): string {
  const afterStep = after === undefined ? '' : ` AND (SELECT count(*) FROM ${after}) >= 0`;
  return `${kind}_account AS (
        -- The account's row before the reservation's (see the lock order).
        SELECT 1 FROM ${usage} q WHERE q.${key} IN (SELECT r.${key} FROM ${reservations} r WHERE r.id = $1 AND NOT r.committed)${afterStep}
        FOR UPDATE OF q
      ), ${kind}_ended AS (
        UPDATE ${reservations} SET committed = true, updated_at = now()
        WHERE id = $1 AND NOT committed AND (SELECT count(*) FROM ${kind}_account) >= 0
        RETURNING ${key} AS account, CASE WHEN dropped THEN 0 ELSE bytes END AS bytes, CASE WHEN dropped THEN 0 ELSE files END AS files
      ), ${kind}_released AS (
        UPDATE ${usage} q SET reserved_bytes = greatest(0, q.reserved_bytes - e.bytes), reserved_files = greatest(0, q.reserved_files - e.files)
        FROM ${kind}_ended e WHERE q.${key} = e.account RETURNING 1
      )`;
}
