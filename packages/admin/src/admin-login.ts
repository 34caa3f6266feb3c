import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from '@ftp/plugin-api';
import { createDummyPasswordHash, parsePasswordHash, verifyParsedPassword, type ParsedPasswordHash } from '@ftp/plugin-api/password';

/** An administrator of the admin API: separate from the FTP users, with a scrypt hash made by `hashPassword`. */
export interface AdminAccount {
  readonly username: string;
  /** `$scrypt$…` as `hashPassword` of `@ftp/plugin-api/password` (or `ftp-server hash-password`) makes it. */
  readonly passwordHash: string;
}

/** A token handed out by a login, valid until `expiresAt` (milliseconds since the epoch) or logout. */
export interface AdminToken {
  readonly token: string;
  readonly username: string;
  readonly expiresAt: number;
}

/** Token bytes: 256 bits from the system's CSPRNG, so a token cannot be guessed. */
const tokenBytes = 32;

/**
 * The admin accounts and the tokens their logins hold. Tokens live in memory: a restart logs every administrator
 * out, and a token is good on this instance only. They travel in the `Authorization` header, never in a cookie, so a
 * page of another origin cannot make the browser send one (no cross-site request forgery).
 */
export class AdminLogins {
  readonly #accounts: ReadonlyMap<string, ParsedPasswordHash>;
  readonly #dummyHash: ParsedPasswordHash;
  readonly #tokens = new Map<string, AdminToken>();
  readonly #tokenTtlMs: number;

  constructor(accounts: readonly AdminAccount[], tokenTtlMs: number) {
    if (accounts.length === 0) throw new InvalidOptionError('admin.accounts', 'at least one admin account is required');
    const parsed = new Map<string, ParsedPasswordHash>();
    accounts.forEach((account, index) => {
      const option = `admin.accounts[${index}]`;
      if (typeof account.username !== 'string' || account.username.trim() === '' || account.username.length > 64)
        throw new InvalidOptionError(`${option}.username`, 'must be a name of 1 to 64 characters');
      if (parsed.has(account.username)) throw new InvalidOptionError(`${option}.username`, `"${account.username}" is listed twice`);
      parsed.set(account.username, parsePasswordHash(account.passwordHash, `${option}.passwordHash`));
    });
    if (!Number.isInteger(tokenTtlMs) || tokenTtlMs < 1_000)
      throw new InvalidOptionError('admin.tokenTtlMs', 'must be a whole number of milliseconds, at least 1000');
    this.#accounts = parsed;
    this.#dummyHash = parsePasswordHash(createDummyPasswordHash(parsed.values().next().value));
    this.#tokenTtlMs = tokenTtlMs;
  }

  /**
   * A new token when `password` is the account's; undefined otherwise. An unknown name takes as long as a wrong
   * password (a dummy hash is checked), so names cannot be found by timing.
   */
  async login(username: string, password: string): Promise<AdminToken | undefined> {
    const hash = this.#accounts.get(username);
    const matches = await verifyParsedPassword(password, hash ?? this.#dummyHash);
    if (hash === undefined || !matches) return undefined;
    this.#forgetExpired();
    const token: AdminToken = {
      token: randomBytes(tokenBytes).toString('base64url'),
      username,
      expiresAt: Date.now() + this.#tokenTtlMs,
    };
    this.#tokens.set(token.token, token);
    return token;
  }

  /** The holder of `token` while it is valid. */
  holder(token: string): AdminToken | undefined {
    const found = this.#tokens.get(token);
    if (found === undefined) return undefined;
    if (found.expiresAt <= Date.now()) {
      this.#tokens.delete(token);
      return undefined;
    }
    return found;
  }

  logout(token: string): void {
    this.#tokens.delete(token);
  }

  #forgetExpired(): void {
    const now = Date.now();
    for (const [key, token] of this.#tokens) if (token.expiresAt <= now) this.#tokens.delete(key);
  }
}
