import { createHash } from 'node:crypto';
import type { Db } from './db';
import { newDatabaseUserKey, nowIso } from './ids';
import { mergeMetadata, parseDoc, type JsonObject } from './json';
import { badRequest, conflict, notFound } from '../errors';
import { assertPasswordPolicy, hashPassword, verifyPassword } from './passwords';
import { compileUserQuery, compileUserSort } from './user-search';
import type { Connection, ConnectionsRepo } from './connections';

export interface UserIdentity {
  connection: string;
  user_id: string;
  provider: string;
  isSocial: boolean;
  profileData?: JsonObject;
}

export interface UserProfile {
  name?: string;
  nickname?: string;
  picture?: string;
  given_name?: string;
  family_name?: string;
  username?: string;
  phone_number?: string;
  phone_verified?: boolean;
}

export interface User extends UserProfile {
  user_id: string;
  email?: string;
  email_verified: boolean;
  blocked?: boolean;
  identities: UserIdentity[];
  app_metadata: JsonObject;
  user_metadata: JsonObject;
  created_at: string;
  updated_at: string;
  last_login?: string;
  last_ip?: string;
  logins_count: number;
}

/** POST /users (database connections only, like Auth0's API for social users). */
export interface UserCreate extends UserProfile {
  connection: string;
  email?: string;
  password?: string;
  email_verified?: boolean;
  verify_email?: boolean;
  blocked?: boolean;
  user_id?: string;
  app_metadata?: JsonObject;
  user_metadata?: JsonObject;
}

/** PATCH /users/{id}: `null` unsets a profile field; metadata merges (see mergeMetadata). */
export interface UserUpdate {
  blocked?: boolean;
  email_verified?: boolean;
  email?: string | null;
  password?: string | null;
  app_metadata?: JsonObject;
  user_metadata?: JsonObject;
  connection?: string;
  client_id?: string;
  verify_email?: boolean;
  verify_phone_number?: boolean;
  phone_verified?: boolean;
  name?: string | null;
  nickname?: string | null;
  picture?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  username?: string | null;
  phone_number?: string | null;
}

/** An identity as a login creates it (e.g. a first Google sign-in). */
export interface IdentityProfile extends UserProfile {
  connection: string;
  /** The provider's id for the user: the part after `provider|` in the user id. */
  identityId: string;
  email?: string;
  email_verified?: boolean;
}

/** One row for seedUsers: a database user (with password) or a social user, by connection. */
export interface SeedUser extends UserProfile {
  connection: string;
  email: string;
  email_verified?: boolean;
  identityId?: string;
  app_metadata?: JsonObject;
  user_metadata?: JsonObject;
}

export interface UserSearch {
  q?: string;
  sort?: string;
  connection?: string;
  offset: number;
  limit: number;
}

export interface UserBlock {
  identifier: string;
  ip?: string;
  connection: string;
}

interface UserRow {
  user_id: string;
  email: string | null;
  connection: string;
  email_verified: number;
  blocked: number;
  logins_count: number;
  created_at: string;
  updated_at: string;
  last_login: string | null;
  last_ip: string | null;
  profile: string;
  app_metadata: string;
  user_metadata: string;
}

interface IdentityRow {
  provider: string;
  identity_id: string;
  user_id: string;
  connection: string;
  is_social: number;
  profile_data: string | null;
}

const USER_COLUMNS =
  'u.user_id, u.email, u.connection, u.email_verified, u.blocked, u.logins_count, u.created_at, u.updated_at, u.last_login, '
  + 'u.last_ip, u.profile, u.app_metadata, u.user_metadata';
const IDENTITY_COLUMNS = 'provider, identity_id, user_id, connection, is_social, profile_data';
const PROFILE_KEYS: readonly (keyof UserProfile)[] = [
  'name', 'nickname', 'picture', 'given_name', 'family_name', 'username', 'phone_number', 'phone_verified',
];
// Strategies whose identities Auth0 marks isSocial: false; everything else is a social provider.
const NON_SOCIAL = new Set(['auth0', 'email', 'sms', 'samlp', 'oidc', 'okta', 'waad', 'adfs', 'ad', 'google-apps', 'office365',
  'pingfederate', 'auth0-oidc', 'ip', 'custom']);

export class UsersRepo {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly connections: ConnectionsRepo,
  ) {
    this.s = {
      byId: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.user_id = ?`),
      byEmail: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE lower(u.email) = lower(?) ORDER BY u.rowid`),
      insertUser: db.prepare<[string, string | null, string, number, number, string, string, string, string, string]>(
        `INSERT INTO users (user_id, email, connection, email_verified, blocked, created_at, updated_at, profile, app_metadata, user_metadata)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateUser: db.prepare<[string | null, number, number, string, string, string, string, string]>(
        `UPDATE users SET email = ?, email_verified = ?, blocked = ?, updated_at = ?, profile = ?, app_metadata = ?, user_metadata = ?
           WHERE user_id = ?`,
      ),
      recordLogin: db.prepare<[string, string | null, string, string]>(
        'UPDATE users SET logins_count = logins_count + 1, last_login = ?, last_ip = ?, updated_at = ? WHERE user_id = ?',
      ),
      deleteUser: db.prepare<[string]>('DELETE FROM users WHERE user_id = ?'),
      identitiesOf: db.prepare<[string], IdentityRow>(
        `SELECT ${IDENTITY_COLUMNS} FROM user_identities WHERE user_id = ? ORDER BY linked_at IS NOT NULL, linked_at, rowid`,
      ),
      identity: db.prepare<[string, string], IdentityRow>(
        `SELECT ${IDENTITY_COLUMNS} FROM user_identities WHERE provider = ? AND identity_id = ?`,
      ),
      insertIdentity: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO user_identities (provider, identity_id, user_id, connection, is_social) VALUES (?, ?, ?, ?, ?)',
      ),
      moveIdentities: db.prepare<[string, string, string, string]>(
        'UPDATE user_identities SET user_id = ?, profile_data = ?, linked_at = ? WHERE user_id = ?',
      ),
      detachIdentity: db.prepare<[string, string, string]>(
        'UPDATE user_identities SET user_id = ?, profile_data = NULL, linked_at = NULL WHERE provider = ? AND identity_id = ?',
      ),
      userByConnectionEmail: db.prepare<[string, string], { user_id: string }>(
        'SELECT user_id FROM users WHERE lower(email) = lower(?) AND connection = ?',
      ),
      credentialByEmail: db.prepare<[string, string], { identity_id: string; password_hash: string }>(
        'SELECT identity_id, password_hash FROM user_credentials WHERE connection = ? AND lower(email) = lower(?)',
      ),
      insertCredential: db.prepare<[string, string, string, string]>(
        'INSERT INTO user_credentials (identity_id, connection, email, password_hash) VALUES (?, ?, ?, ?)',
      ),
      updateCredentialEmail: db.prepare<[string, string]>('UPDATE user_credentials SET email = ? WHERE identity_id = ?'),
      updateCredentialHash: db.prepare<[string, string]>('UPDATE user_credentials SET password_hash = ? WHERE identity_id = ?'),
      blocksOf: db.prepare<[string], UserBlock & { ip: string | null }>(
        'SELECT identifier, ip, connection FROM user_blocks WHERE user_id = ? ORDER BY rowid',
      ),
      blocksByIdentifier: db.prepare<[string], UserBlock & { ip: string | null }>(
        'SELECT identifier, ip, connection FROM user_blocks WHERE lower(identifier) = lower(?) ORDER BY rowid',
      ),
      insertBlock: db.prepare<[string, string, string | null, string, string]>(
        'INSERT INTO user_blocks (user_id, identifier, ip, connection, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      deleteBlocks: db.prepare<[string]>('DELETE FROM user_blocks WHERE user_id = ?'),
      deleteBlocksByIdentifier: db.prepare<[string]>('DELETE FROM user_blocks WHERE lower(identifier) = lower(?)'),
    };
  }

  get(userId: string): User | undefined {
    const row = this.s.byId.get(userId);
    return row ? this.toUser(row) : undefined;
  }

  require(userId: string): User {
    const user = this.get(userId);
    if (!user) throw notFound('The user does not exist.', 'inexistent_user');
    return user;
  }

  /** Exact, case-insensitive, through the lower(email) index. */
  findByEmail(email: string): User[] {
    return this.s.byEmail.all(email).map((row) => this.toUser(row));
  }

  search(search: UserSearch): { users: User[]; total: number } {
    const filter = compileUserQuery(search.q ?? '');
    const where = search.connection === undefined ? filter.where
      : `${filter.where} AND EXISTS (SELECT 1 FROM user_identities i WHERE i.user_id = u.user_id AND i.connection = ?)`;
    const params = search.connection === undefined ? filter.params : [...filter.params, search.connection];
    const total = this.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM users u WHERE ${where}`).get(...params)?.n ?? 0;
    const rows = this.db
      .prepare<unknown[], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE ${where} ORDER BY ${compileUserSort(search.sort)} LIMIT ? OFFSET ?`)
      .all(...params, search.limit, search.offset);
    return { users: rows.map((row) => this.toUser(row)), total };
  }

  create(input: UserCreate): User {
    const connection = this.connections.getByName(input.connection);
    if (!connection) throw badRequest('The connection does not exist.', 'inexistent_connection');
    if (connection.strategy !== 'auth0') {
      throw badRequest(`Connection '${input.connection}' is not supported for this operation (database connections only).`,
        'operation_not_supported');
    }
    if (!input.email) throw badRequest("Payload validation error: 'Missing required property: email'.");
    if (!input.password) throw badRequest("Payload validation error: 'Missing required property: password'.");
    assertPasswordPolicy(input.password, passwordPolicy(connection), minPasswordLength(connection));
    // Auth0 stores database emails lower-cased.
    const email = input.email.toLowerCase();
    const identityId = input.user_id ?? newDatabaseUserKey();
    const passwordHash = hashPassword(input.password);
    return this.db.transaction(() => {
      if (this.databaseEmailOwner(connection.name, email)) throw conflict('The user already exists.', 'auth0_idp_error');
      const userId = this.insertUser({ ...input, identityId, email }, connection);
      this.s.insertCredential.run(identityId, connection.name, email, passwordHash);
      return this.require(userId);
    })();
  }

  update(userId: string, patch: UserUpdate): User {
    return this.db.transaction(() => {
      const row = this.s.byId.get(userId);
      if (!row) throw notFound('The user does not exist.', 'inexistent_user');
      if (patch.connection !== undefined && patch.connection !== row.connection) {
        throw badRequest('The sandbox only updates the primary identity; updating a linked identity is not supported.',
          'operation_not_supported');
      }
      const connection = this.connections.getByName(row.connection);
      const isDatabase = connection?.strategy === 'auth0';
      const profile = parseDoc<UserProfile>(row.profile);
      for (const key of PROFILE_KEYS) {
        const value = patch[key];
        if (value === null) delete profile[key];
        else if (value !== undefined) Object.assign(profile, { [key]: value });
      }
      let email = row.email;
      let emailVerified = patch.email_verified ?? row.email_verified === 1;
      if (patch.email !== undefined && patch.email !== row.email) {
        if (!isDatabase) throw badRequest('Email can only be changed for database users in the sandbox.', 'operation_not_supported');
        if (patch.email === null) throw badRequest('Email cannot be removed from a database user.');
        const owner = this.databaseEmailOwner(row.connection, patch.email);
        if (owner !== undefined && owner !== userId) throw conflict('The specified new email already exists', 'email_conflict');
        email = patch.email.toLowerCase();
        // A new address is unverified unless the caller says otherwise, as in Auth0.
        emailVerified = patch.email_verified ?? false;
        this.s.updateCredentialEmail.run(email, identityIdOf(userId));
      }
      if (patch.password !== undefined && patch.password !== null) {
        if (!isDatabase || !connection) throw badRequest('Password can only be set for database users.', 'operation_not_supported');
        assertPasswordPolicy(patch.password, passwordPolicy(connection), minPasswordLength(connection));
        this.s.updateCredentialHash.run(hashPassword(patch.password), identityIdOf(userId));
      }
      const appMetadata = patch.app_metadata ? mergeMetadata(parseDoc(row.app_metadata), patch.app_metadata) : parseDoc<JsonObject>(row.app_metadata);
      const userMetadata = patch.user_metadata ? mergeMetadata(parseDoc(row.user_metadata), patch.user_metadata) : parseDoc<JsonObject>(row.user_metadata);
      this.s.updateUser.run(
        email,
        emailVerified ? 1 : 0,
        (patch.blocked ?? row.blocked === 1) ? 1 : 0,
        nowIso(),
        JSON.stringify(profile),
        JSON.stringify(appMetadata),
        JSON.stringify(userMetadata),
        userId,
      );
      return this.require(userId);
    })();
  }

  delete(userId: string): void {
    if (this.s.deleteUser.run(userId).changes === 0) throw notFound('The user does not exist.', 'inexistent_user');
  }

  /**
   * Links the secondary account (provider + its identity id) under the primary: the secondary's
   * identities move to the primary (with the secondary's profile as profileData) and the
   * secondary user is removed; its metadata is lost, as in Auth0. Returns the primary's identities.
   */
  link(primaryId: string, secondary: { provider: string; identityId: string; connectionId?: string }): UserIdentity[] {
    return this.db.transaction(() => {
      this.require(primaryId);
      const identity = this.s.identity.get(secondary.provider, secondary.identityId);
      const secondaryUserId = `${secondary.provider}|${secondary.identityId}`;
      if (!identity || identity.user_id !== secondaryUserId) {
        throw notFound('The secondary user does not exist or is already linked.', 'inexistent_user');
      }
      if (secondaryUserId === primaryId) throw badRequest('Main identity and the new one are the same.', 'invalid_body');
      if (secondary.connectionId !== undefined && this.connections.getByName(identity.connection)?.id !== secondary.connectionId) {
        throw badRequest('connection_id does not match the secondary identity\'s connection.');
      }
      const secondaryUser = this.require(secondaryUserId);
      this.s.moveIdentities.run(primaryId, JSON.stringify(profileData(secondaryUser)), nowIso(), secondaryUserId);
      this.s.deleteUser.run(secondaryUserId);
      return this.identities(primaryId);
    })();
  }

  /** Detaches a linked identity into a user of its own again; returns the primary's identities. */
  unlink(primaryId: string, provider: string, identityId: string): UserIdentity[] {
    return this.db.transaction(() => {
      this.require(primaryId);
      const identity = this.s.identity.get(provider, identityId);
      if (!identity || identity.user_id !== primaryId) throw notFound('The identity is not linked to this user.', 'inexistent_identity');
      if (`${provider}|${identityId}` === primaryId) throw badRequest('Main identity cannot be removed.', 'operation_not_supported');
      const data = identity.profile_data ? parseDoc<JsonObject>(identity.profile_data) : {};
      const now = nowIso();
      const profile = Object.fromEntries(PROFILE_KEYS.filter((k) => data[k] !== undefined).map((k) => [k, data[k]]));
      const newUserId = `${provider}|${identityId}`;
      this.s.insertUser.run(newUserId, typeof data.email === 'string' ? data.email : null, identity.connection,
        data.email_verified === true ? 1 : 0, 0, now, now, JSON.stringify(profile), '{}', '{}');
      this.s.detachIdentity.run(newUserId, provider, identityId);
      return this.identities(primaryId);
    })();
  }

  identities(userId: string): UserIdentity[] {
    return this.s.identitiesOf.all(userId).map(toIdentity);
  }

  /** Bulk insert in one transaction (100k users in seconds); seeded passwords share one hash. */
  seed(users: readonly SeedUser[], options: { password?: string } = {}): number {
    const passwordHash = options.password === undefined ? undefined : hashPassword(options.password);
    const connections = new Map<string, Connection>();
    this.db.transaction(() => {
      for (const user of users) {
        let connection = connections.get(user.connection);
        if (!connection) {
          connection = this.connections.getByName(user.connection);
          if (!connection) throw badRequest(`The connection does not exist: ${user.connection}`);
          connections.set(user.connection, connection);
        }
        const identityId = user.identityId ?? newDatabaseUserKey();
        const email = connection.strategy === 'auth0' ? user.email.toLowerCase() : user.email;
        this.insertUser({ ...user, email, identityId }, connection);
        if (connection.strategy === 'auth0' && passwordHash) {
          this.s.insertCredential.run(identityId, connection.name, email, passwordHash);
        }
      }
    })();
    return users.length;
  }

  /** For the login half: first sign-in through a non-database connection creates the user. */
  findOrCreateFromIdentity(profile: IdentityProfile): User {
    return this.db.transaction(() => {
      const connection = this.connections.getByName(profile.connection);
      if (!connection) throw badRequest(`The connection does not exist: ${profile.connection}`);
      const owner = this.identityOwner(connection.strategy, profile.identityId);
      if (owner) return owner;
      return this.require(this.insertUser(profile, connection));
    })();
  }

  /** The user (primary, if linked) that holds an identity. */
  identityOwner(provider: string, identityId: string): User | undefined {
    const identity = this.s.identity.get(provider, identityId);
    return identity ? this.get(identity.user_id) : undefined;
  }

  /** For the login half: checks a database password; returns the owning (primary) user. */
  verifyDatabasePassword(connection: string, email: string, password: string): User | undefined {
    return this.databaseLogin(connection, email, password)?.user;
  }

  /**
   * A database login: the owning (primary) user and the id of the identity that signed in, which
   * a login needs when that identity is linked under another user.
   */
  databaseLogin(connection: string, email: string, password: string): { user: User; identityId: string } | undefined {
    const credential = this.s.credentialByEmail.get(connection, email);
    if (!credential || !verifyPassword(password, credential.password_hash)) return undefined;
    const user = this.identityOwner('auth0', credential.identity_id);
    return user ? { user, identityId: credential.identity_id } : undefined;
  }

  /** Who holds the database identity with this email (its primary user), without a password check. */
  databaseIdentityOwner(connection: string, email: string): User | undefined {
    const credential = this.s.credentialByEmail.get(connection, email);
    return credential ? this.identityOwner('auth0', credential.identity_id) : undefined;
  }

  recordLogin(userId: string, ip?: string): User {
    const now = nowIso();
    if (this.s.recordLogin.run(now, ip ?? null, now, userId).changes === 0) throw notFound('The user does not exist.', 'inexistent_user');
    return this.require(userId);
  }

  blocks(userId: string): UserBlock[] {
    this.require(userId);
    return this.s.blocksOf.all(userId).map(toBlock);
  }

  blocksByIdentifier(identifier: string): UserBlock[] {
    return this.s.blocksByIdentifier.all(identifier).map(toBlock);
  }

  /** For the login half: what brute-force protection records after too many failures. */
  addBlock(userId: string, block: UserBlock): void {
    this.require(userId);
    this.s.insertBlock.run(userId, block.identifier, block.ip ?? null, block.connection, nowIso());
  }

  clearBlocks(userId: string): void {
    this.require(userId);
    this.s.deleteBlocks.run(userId);
  }

  clearBlocksByIdentifier(identifier: string): void {
    this.s.deleteBlocksByIdentifier.run(identifier);
  }

  /** Who holds a database identity with this email: a user row or a (possibly linked) credential. */
  private databaseEmailOwner(connection: string, email: string): string | undefined {
    const user = this.s.userByConnectionEmail.get(email, connection);
    if (user) return user.user_id;
    const credential = this.s.credentialByEmail.get(connection, email);
    return credential ? `auth0|${credential.identity_id}` : undefined;
  }

  private insertUser(
    input: UserProfile & { identityId: string; email?: string; email_verified?: boolean; blocked?: boolean;
      app_metadata?: JsonObject; user_metadata?: JsonObject },
    connection: Connection,
  ): string {
    // Auth0's identity provider name is the connection's strategy (auth0, google-oauth2, ...).
    const provider = connection.strategy;
    const userId = `${provider}|${input.identityId}`;
    if (this.s.byId.get(userId) || this.s.identity.get(provider, input.identityId)) throw conflict('The user already exists.', 'auth0_idp_error');
    const now = nowIso();
    const profile: UserProfile = { ...defaultProfile(input.email) };
    for (const key of PROFILE_KEYS) if (input[key] !== undefined) Object.assign(profile, { [key]: input[key] });
    this.s.insertUser.run(userId, input.email ?? null, connection.name, input.email_verified ? 1 : 0, input.blocked ? 1 : 0,
      now, now, JSON.stringify(profile), JSON.stringify(input.app_metadata ?? {}), JSON.stringify(input.user_metadata ?? {}));
    this.s.insertIdentity.run(provider, input.identityId, userId, connection.name, NON_SOCIAL.has(connection.strategy) ? 0 : 1);
    return userId;
  }

  private toUser(row: UserRow): User {
    return {
      user_id: row.user_id,
      ...(row.email !== null ? { email: row.email } : {}),
      email_verified: row.email_verified === 1,
      ...parseDoc<UserProfile>(row.profile),
      ...(row.blocked === 1 ? { blocked: true } : {}),
      identities: this.identities(row.user_id),
      app_metadata: parseDoc<JsonObject>(row.app_metadata),
      user_metadata: parseDoc<JsonObject>(row.user_metadata),
      created_at: row.created_at,
      updated_at: row.updated_at,
      ...(row.last_login !== null ? { last_login: row.last_login } : {}),
      ...(row.last_ip !== null ? { last_ip: row.last_ip } : {}),
      logins_count: row.logins_count,
    };
  }
}

function identityIdOf(userId: string): string {
  return userId.slice(userId.indexOf('|') + 1);
}

function passwordPolicy(connection: Connection): string | undefined {
  const policy = connection.options.passwordPolicy;
  return typeof policy === 'string' ? policy : undefined;
}

function minPasswordLength(connection: Connection): number | undefined {
  const options = connection.options.password_complexity_options;
  const min = options && typeof options === 'object' && !Array.isArray(options) ? options.min_length : undefined;
  return typeof min === 'number' ? min : undefined;
}

/** Auth0 derives name/nickname/picture from the email when a profile has none. */
function defaultProfile(email: string | undefined): UserProfile {
  if (!email) return {};
  const local = email.split('@')[0] ?? email;
  const initials = local.slice(0, 2).toLowerCase();
  const hash = createHash('md5').update(email.trim().toLowerCase()).digest('hex');
  return {
    name: email,
    nickname: local,
    picture: `https://s.gravatar.com/avatar/${hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F${initials}.png`,
  };
}

function profileData(user: User): JsonObject {
  const data: JsonObject = { email_verified: user.email_verified };
  if (user.email) data.email = user.email;
  for (const key of PROFILE_KEYS) {
    const value = user[key];
    if (value !== undefined) data[key] = value;
  }
  return data;
}

function toIdentity(row: IdentityRow): UserIdentity {
  return {
    connection: row.connection,
    user_id: row.identity_id,
    provider: row.provider,
    isSocial: row.is_social === 1,
    ...(row.profile_data ? { profileData: parseDoc<JsonObject>(row.profile_data) } : {}),
  };
}

function toBlock(row: UserBlock & { ip: string | null }): UserBlock {
  return { identifier: row.identifier, connection: row.connection, ...(row.ip !== null ? { ip: row.ip } : {}) };
}
