import { createHash } from 'node:crypto';
import type { Db } from '../store/db';
import { parseDoc, type JsonValue } from '../store/json';
import type { ResponseMode } from './authorize';

/**
 * What the OIDC endpoints keep between requests, in the sandbox's SQLite database (so a restart
 * keeps SSO sessions and refresh tokens, as Auth0 would): authorization transactions, SSO
 * sessions, authorization codes and refresh tokens. Codes and refresh tokens are stored by their
 * SHA-256 hash only. The tables are this module's own (`oidc_*`, created if missing) and go with
 * the tenant on `--reset`.
 */

/** The validated `/authorize` request a transaction stands for. */
export interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  response_type: 'code';
  response_mode: ResponseMode;
  scope: string[];
  state?: string;
  nonce?: string;
  /** The API identifier (Auth0's `audience`, or the tenant's default_audience). */
  audience?: string;
  code_challenge?: string;
  prompt: string[];
  max_age?: number;
  connection?: string;
  login_hint?: string;
  screen_hint?: string;
  ui_locales?: string[];
  acr_values?: string[];
  /** The query as sent, for the Actions' `event.request.query`. */
  query: Record<string, string>;
}

export interface AuthorizationTransaction {
  id: string;
  /** Bound to the forms of this transaction's pages. */
  csrf: string;
  /** SHA-256 of the secret in the browser's transaction cookie (transaction-cookies.ts); absent in older rows, which no browser can use. */
  browser_key?: string;
  params: AuthorizeParams;
  user_agent: string;
  /** The browser's address at /authorize (absent in transactions stored before it was kept). */
  ip?: string;
  expires_at: number;
  /** Set once the user is known (signed in, or an SSO session): how the login completes. */
  login?: {
    connection: string;
    /** The SSO session this login creates (a new id) or continues. */
    session_id: string;
    existing_session: boolean;
    /** Seconds since the epoch: the ID token's `auth_time`. */
    auth_time: number;
  };
}

export interface SsoSession {
  id: string;
  user_id: string;
  /** The connection the user signed in with: silent logins go through it again. */
  connection: string;
  authenticated_at: number;
  last_interacted_at: number;
  /** Absolute expiry, fixed at creation (tenant session_lifetime). */
  expires_at: number;
  /** The applications this session logged in to (the Management API's `clients`). */
  clients?: string[];
  /** The browser that started the session and the one that last used it. */
  device?: { initial_ip: string; initial_user_agent: string; last_ip: string; last_user_agent: string };
}

/** What a user consented to for an application and an API (Auth0's user grant). */
export interface UserGrantRecord {
  id: string;
  user_id: string;
  client_id: string;
  audience: string;
  scope: string[];
}

export interface CodeGrant {
  client_id: string;
  redirect_uri: string;
  code_challenge?: string;
  nonce?: string;
  scope: string[];
  audience?: string;
  user_id: string;
  connection: string;
  session_id: string;
  auth_time: number;
  /** The engine's ID token claims (profile and the Actions' custom claims). */
  id_claims: Record<string, JsonValue>;
  access_claims: Record<string, JsonValue>;
  expires_at: number;
}

export interface RefreshTokenRecord {
  /** Public id (`event.refresh_token.id`). */
  id: string;
  family: string;
  client_id: string;
  user_id: string;
  connection: string;
  session_id: string;
  audience?: string;
  scope: string[];
  rotating: boolean;
  /** Seconds since the epoch, from the login that started the family. */
  auth_time: number;
  created_at: number;
  /** Absolute expiry, fixed when the family started; absent when non-expiring. */
  expires_at?: number;
  last_exchanged_at: number;
  /** Set once a rotating token was exchanged. */
  consumed_at?: number;
  /** The hash of the rotating token this one replaced. */
  parent?: string;
  /** Set once the token that replaced this one was exchanged too: no leeway any more. */
  superseded?: boolean;
  revoked?: boolean;
}

const CODE_REPLAY_MEMORY_MS = 24 * 3_600_000;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class OidcStore {
  private readonly s;

  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS oidc_transactions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS oidc_sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS oidc_codes (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0, family TEXT, doc TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS oidc_refresh_tokens (hash TEXT PRIMARY KEY, family TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS oidc_refresh_tokens_family ON oidc_refresh_tokens (family);
      CREATE INDEX IF NOT EXISTS oidc_sessions_user ON oidc_sessions (user_id);
      CREATE TABLE IF NOT EXISTS oidc_grants (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL, audience TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (user_id, client_id, audience));
    `);
    this.s = {
      putTransaction: db.prepare<[string, number, string]>(
        'INSERT OR REPLACE INTO oidc_transactions (id, expires_at, doc) VALUES (?, ?, ?)',
      ),
      getTransaction: db.prepare<[string, number], { doc: string }>(
        'SELECT doc FROM oidc_transactions WHERE id = ? AND expires_at > ?',
      ),
      deleteTransaction: db.prepare<[string]>('DELETE FROM oidc_transactions WHERE id = ?'),
      pruneTransactions: db.prepare<[number]>('DELETE FROM oidc_transactions WHERE expires_at <= ?'),
      putSession: db.prepare<[string, string, string]>(
        'INSERT OR REPLACE INTO oidc_sessions (id, user_id, doc) VALUES (?, ?, ?)',
      ),
      getSession: db.prepare<[string], { doc: string }>('SELECT doc FROM oidc_sessions WHERE id = ?'),
      deleteSession: db.prepare<[string]>('DELETE FROM oidc_sessions WHERE id = ?'),
      putCode: db.prepare<[string, number, string]>('INSERT INTO oidc_codes (hash, expires_at, doc) VALUES (?, ?, ?)'),
      pruneCodes: db.prepare<[number]>('DELETE FROM oidc_codes WHERE expires_at <= ?'),
      pruneSessions: db.prepare<[number]>("DELETE FROM oidc_sessions WHERE json_extract(doc, '$.expires_at') <= ?"),
      pruneRefresh: db.prepare<[number]>(
        "DELETE FROM oidc_refresh_tokens WHERE json_extract(doc, '$.expires_at') <= ?",
      ),
      getCode: db.prepare<[string], { expires_at: number; used: number; family: string | null; doc: string }>(
        'SELECT expires_at, used, family, doc FROM oidc_codes WHERE hash = ?',
      ),
      useCode: db.prepare<[string]>('UPDATE oidc_codes SET used = 1 WHERE hash = ? AND used = 0'),
      setCodeFamily: db.prepare<[string, string]>('UPDATE oidc_codes SET family = ? WHERE hash = ?'),
      putRefresh: db.prepare<[string, string, string]>(
        'INSERT OR REPLACE INTO oidc_refresh_tokens (hash, family, doc) VALUES (?, ?, ?)',
      ),
      getRefresh: db.prepare<[string], { doc: string }>('SELECT doc FROM oidc_refresh_tokens WHERE hash = ?'),
      familyRows: db.prepare<[string], { hash: string; doc: string }>(
        'SELECT hash, doc FROM oidc_refresh_tokens WHERE family = ?',
      ),
      userSessions: db.prepare<[string], { doc: string }>(
        'SELECT doc FROM oidc_sessions WHERE user_id = ? ORDER BY rowid',
      ),
      deleteUserSessions: db.prepare<[string]>('DELETE FROM oidc_sessions WHERE user_id = ?'),
      userRefreshRows: db.prepare<[string], { doc: string }>(
        "SELECT doc FROM oidc_refresh_tokens WHERE json_extract(doc, '$.user_id') = ? ORDER BY rowid",
      ),
      refreshRowsById: db.prepare<[string], { doc: string }>(
        "SELECT doc FROM oidc_refresh_tokens WHERE json_extract(doc, '$.id') = ? ORDER BY rowid",
      ),
      deleteFamily: db.prepare<[string]>('DELETE FROM oidc_refresh_tokens WHERE family = ?'),
      putGrant: db.prepare<{ id: string; user_id: string; client_id: string; audience: string; doc: string }>(
        'INSERT OR REPLACE INTO oidc_grants (id, user_id, client_id, audience, doc) VALUES (@id, @user_id, @client_id, @audience, @doc)',
      ),
      findGrant: db.prepare<{ user_id: string; client_id: string; audience: string }, { doc: string }>(
        'SELECT doc FROM oidc_grants WHERE user_id = @user_id AND client_id = @client_id AND audience = @audience',
      ),
      getGrant: db.prepare<[string], { doc: string }>('SELECT doc FROM oidc_grants WHERE id = ?'),
      allGrants: db.prepare<[], { doc: string }>('SELECT doc FROM oidc_grants ORDER BY rowid'),
      deleteGrant: db.prepare<[string]>('DELETE FROM oidc_grants WHERE id = ?'),
      deleteUserGrants: db.prepare<[string]>('DELETE FROM oidc_grants WHERE user_id = ?'),
    };
  }

  putTransaction(transaction: AuthorizationTransaction): void {
    this.s.pruneTransactions.run(Date.now());
    this.s.putTransaction.run(transaction.id, transaction.expires_at, JSON.stringify(transaction));
  }

  transaction(id: string): AuthorizationTransaction | undefined {
    const row = this.s.getTransaction.get(id, Date.now());
    return row ? parseDoc<AuthorizationTransaction>(row.doc) : undefined;
  }

  deleteTransaction(id: string): void {
    this.s.deleteTransaction.run(id);
  }

  putSession(session: SsoSession): void {
    this.s.pruneSessions.run(Date.now());
    this.s.putSession.run(session.id, session.user_id, JSON.stringify(session));
  }

  session(id: string): SsoSession | undefined {
    const row = this.s.getSession.get(id);
    return row ? parseDoc<SsoSession>(row.doc) : undefined;
  }

  /** True when there was such a session. */
  deleteSession(id: string): boolean {
    return this.s.deleteSession.run(id).changes > 0;
  }

  /** The user's stored sessions, oldest first (expired ones included until pruned: callers filter). */
  sessionsOf(userId: string): SsoSession[] {
    return this.s.userSessions.all(userId).map((row) => parseDoc<SsoSession>(row.doc));
  }

  deleteSessionsOf(userId: string): void {
    this.s.deleteUserSessions.run(userId);
  }

  putCode(code: string, grant: CodeGrant): void {
    // Expired codes are kept a day, so that a late replay is still recognised (and revokes its tokens).
    this.s.pruneCodes.run(Date.now() - CODE_REPLAY_MEMORY_MS);
    this.s.putCode.run(tokenHash(code), grant.expires_at, JSON.stringify(grant));
  }

  /**
   * Redeems a code once. A second redemption answers `reused` with the refresh-token family the
   * first one started, so that the caller can revoke it (RFC 6749 §4.1.2).
   */
  redeemCode(
    code: string,
    now: number,
  ): { status: 'ok'; grant: CodeGrant } | { status: 'reused'; family?: string } | { status: 'invalid' } {
    const hash = tokenHash(code);
    return this.db.transaction(() => {
      const row = this.s.getCode.get(hash);
      if (!row) return { status: 'invalid' as const };
      if (row.used) return { status: 'reused' as const, ...(row.family ? { family: row.family } : {}) };
      this.s.useCode.run(hash);
      if (row.expires_at <= now) return { status: 'invalid' as const };
      return { status: 'ok' as const, grant: parseDoc<CodeGrant>(row.doc) };
    })();
  }

  recordCodeFamily(code: string, family: string): void {
    this.s.setCodeFamily.run(family, tokenHash(code));
  }

  putRefreshToken(token: string, record: RefreshTokenRecord): void {
    // Past its absolute expiry a token (and its family's reuse record) no longer matters.
    this.s.pruneRefresh.run(Date.now());
    this.s.putRefresh.run(tokenHash(token), record.family, JSON.stringify(record));
  }

  refreshToken(token: string): RefreshTokenRecord | undefined {
    const row = this.s.getRefresh.get(tokenHash(token));
    return row ? parseDoc<RefreshTokenRecord>(row.doc) : undefined;
  }

  /** Writes a record back under the hash of `token` (after an exchange). */
  updateRefreshToken(token: string, record: RefreshTokenRecord): void {
    this.putRefreshToken(token, record);
  }

  /** Marks the token with this hash as two rotations old (see RefreshTokenRecord.superseded). */
  supersede(hash: string): void {
    const row = this.s.getRefresh.get(hash);
    if (!row) return;
    const record = parseDoc<RefreshTokenRecord>(row.doc);
    this.s.putRefresh.run(hash, record.family, JSON.stringify({ ...record, superseded: true }));
  }

  /**
   * The user's refresh tokens as the Management API shows them: one per family (the public id
   * stays the same across rotations), its latest record, revoked families left out.
   */
  refreshTokensOf(userId: string): RefreshTokenRecord[] {
    return latestPerFamily(this.s.userRefreshRows.all(userId).map((row) => parseDoc<RefreshTokenRecord>(row.doc)));
  }

  refreshTokenById(id: string): RefreshTokenRecord | undefined {
    return latestPerFamily(this.s.refreshRowsById.all(id).map((row) => parseDoc<RefreshTokenRecord>(row.doc)))[0];
  }

  /** Deletes a family's tokens: each of them then fails at /oauth/token as unknown. */
  deleteRefreshFamily(family: string): void {
    this.s.deleteFamily.run(family);
  }

  /** Deletes the user's refresh tokens (those `matching`, when given). */
  deleteRefreshTokensOf(userId: string, matching: (record: RefreshTokenRecord) => boolean = () => true): void {
    this.db.transaction(() => {
      for (const record of this.refreshTokensOf(userId)) if (matching(record)) this.s.deleteFamily.run(record.family);
    })();
  }

  /** Records (or widens) the user's grant for this application and API. */
  recordGrant(grant: Omit<UserGrantRecord, 'id'>, newId: () => string): UserGrantRecord {
    return this.db.transaction(() => {
      const row = this.s.findGrant.get(grant);
      const existing = row ? parseDoc<UserGrantRecord>(row.doc) : undefined;
      const stored: UserGrantRecord = existing
        ? { ...existing, scope: [...new Set([...existing.scope, ...grant.scope])] }
        : { id: newId(), ...grant };
      this.s.putGrant.run({ ...stored, doc: JSON.stringify(stored) });
      return stored;
    })();
  }

  grants(): UserGrantRecord[] {
    return this.s.allGrants.all().map((row) => parseDoc<UserGrantRecord>(row.doc));
  }

  grant(id: string): UserGrantRecord | undefined {
    const row = this.s.getGrant.get(id);
    return row ? parseDoc<UserGrantRecord>(row.doc) : undefined;
  }

  deleteGrant(id: string): void {
    this.s.deleteGrant.run(id);
  }

  /** What a deleted user leaves in the provider: nothing (its logs stay, in the store). */
  forgetUser(userId: string): void {
    this.db.transaction(() => {
      this.s.deleteUserSessions.run(userId);
      for (const record of this.refreshTokensOf(userId)) this.s.deleteFamily.run(record.family);
      this.s.deleteUserGrants.run(userId);
    })();
  }

  /** Every token descended from the family's first one stops working. */
  revokeFamily(family: string): void {
    this.db.transaction(() => {
      for (const row of this.s.familyRows.all(family)) {
        this.s.putRefresh.run(
          row.hash,
          family,
          JSON.stringify({ ...parseDoc<RefreshTokenRecord>(row.doc), revoked: true }),
        );
      }
    })();
  }
}

/**
 * The newest record of each family with the family's start as `created_at`, revoked families left
 * out: what the Management API calls one refresh token.
 */
function latestPerFamily(records: RefreshTokenRecord[]): RefreshTokenRecord[] {
  const latest = new Map<string, RefreshTokenRecord>();
  const started = new Map<string, number>();
  const revoked = new Set<string>();
  for (const record of records) {
    if (record.revoked) revoked.add(record.family);
    started.set(record.family, Math.min(started.get(record.family) ?? Infinity, record.created_at));
    const current = latest.get(record.family);
    if (!current || record.created_at >= current.created_at) latest.set(record.family, record);
  }
  return [...latest.values()]
    .filter((record) => !revoked.has(record.family))
    .map((record) => ({ ...record, created_at: started.get(record.family) ?? record.created_at }));
}
