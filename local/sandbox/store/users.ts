import { createHash } from 'node:crypto';
import type { Db } from './db';
import { newDatabaseUserKey, nowIso } from './ids';
import { mergeMetadata, parseDoc, type JsonObject } from './json';
import { badRequest, conflict, notFound } from '../errors';
import { assertPasswordPolicy, hashPassword, verifyPassword } from './passwords';
import { compileUserQuery, compileUserSort, type SqlParameters } from './user-search';
import { Repository } from './repository';
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

type BlockRow = Omit<UserBlock, 'ip'> & { ip: string | null };

interface IdentityRow {
  provider: string;
  identity_id: string;
  user_id: string;
  connection: string;
  is_social: number;
  profile_data: string | null;
}

const USER_COLUMNS =
  'user_id, email, connection, email_verified, blocked, logins_count, created_at, updated_at, last_login, last_ip, profile, app_metadata, user_metadata';
const IDENTITY_COLUMNS = 'provider, identity_id, user_id, connection, is_social, profile_data';
const PROFILE_KEYS: readonly (keyof UserProfile)[] = [
  'name',
  'nickname',
  'picture',
  'given_name',
  'family_name',
  'username',
  'phone_number',
  'phone_verified',
];
// Strategies whose identities Auth0 marks isSocial: false; everything else is a social provider.
const NON_SOCIAL = new Set([
  'auth0',
  'email',
  'sms',
  'samlp',
  'oidc',
  'okta',
  'waad',
  'adfs',
  'ad',
  'google-apps',
  'office365',
  'pingfederate',
  'auth0-oidc',
  'ip',
  'custom',
]);

/** A users row as written: everything but the login counters. */
type UserInsert = Omit<UserRow, 'logins_count' | 'last_login' | 'last_ip'>;
type UserChange = Pick<
  UserRow,
  'user_id' | 'email' | 'email_verified' | 'blocked' | 'updated_at' | 'profile' | 'app_metadata' | 'user_metadata'
>;
type IdentityKey = { provider: string; identityId: string };

export class UsersRepo extends Repository<User, UserRow> {
  private readonly statements;

  constructor(
    db: Db,
    private readonly connections: ConnectionsRepo,
  ) {
    super(db, {
      table: 'users',
      key: 'user_id',
      columns: USER_COLUMNS,
      missing: { message: 'The user does not exist.', errorCode: 'inexistent_user' },
    });
    this.statements = {
      byEmail: db.prepare<{ email: string }, UserRow>(
        `SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower(@email) ORDER BY rowid`,
      ),
      insertUser: db.prepare<UserInsert>(
        `INSERT INTO users (user_id, email, connection, email_verified, blocked, created_at, updated_at, profile, app_metadata, user_metadata)
           VALUES (@user_id, @email, @connection, @email_verified, @blocked, @created_at, @updated_at, @profile, @app_metadata, @user_metadata)`,
      ),
      updateUser: db.prepare<UserChange>(
        `UPDATE users SET email = @email, email_verified = @email_verified, blocked = @blocked, updated_at = @updated_at, profile = @profile,
           app_metadata = @app_metadata, user_metadata = @user_metadata WHERE user_id = @user_id`,
      ),
      recordLogin: db.prepare<{ userId: string; ip: string | null; now: string }>(
        'UPDATE users SET logins_count = logins_count + 1, last_login = @now, last_ip = @ip, updated_at = @now WHERE user_id = @userId',
      ),
      deleteUser: db.prepare<{ userId: string }>('DELETE FROM users WHERE user_id = @userId'),
      identitiesOf: db.prepare<{ userId: string }, IdentityRow>(
        `SELECT ${IDENTITY_COLUMNS} FROM user_identities WHERE user_id = @userId ORDER BY linked_at IS NOT NULL, linked_at, rowid`,
      ),
      identity: db.prepare<IdentityKey, IdentityRow>(
        `SELECT ${IDENTITY_COLUMNS} FROM user_identities WHERE provider = @provider AND identity_id = @identityId`,
      ),
      insertIdentity: db.prepare<Omit<IdentityRow, 'profile_data'>>(
        `INSERT INTO user_identities (provider, identity_id, user_id, connection, is_social)
           VALUES (@provider, @identity_id, @user_id, @connection, @is_social)`,
      ),
      moveIdentities: db.prepare<{ fromUserId: string; toUserId: string; profileData: string; linkedAt: string }>(
        'UPDATE user_identities SET user_id = @toUserId, profile_data = @profileData, linked_at = @linkedAt WHERE user_id = @fromUserId',
      ),
      detachIdentity: db.prepare<IdentityKey & { userId: string }>(
        `UPDATE user_identities SET user_id = @userId, profile_data = NULL, linked_at = NULL
           WHERE provider = @provider AND identity_id = @identityId`,
      ),
      userByConnectionEmail: db.prepare<{ connection: string; email: string }, { user_id: string }>(
        'SELECT user_id FROM users WHERE lower(email) = lower(@email) AND connection = @connection',
      ),
      credentialByEmail: db.prepare<
        { connection: string; email: string },
        { identity_id: string; password_hash: string }
      >(
        'SELECT identity_id, password_hash FROM user_credentials WHERE connection = @connection AND lower(email) = lower(@email)',
      ),
      insertCredential: db.prepare<{ identityId: string; connection: string; email: string; passwordHash: string }>(
        'INSERT INTO user_credentials (identity_id, connection, email, password_hash) VALUES (@identityId, @connection, @email, @passwordHash)',
      ),
      updateCredentialEmail: db.prepare<{ identityId: string; email: string }>(
        'UPDATE user_credentials SET email = @email WHERE identity_id = @identityId',
      ),
      updateCredentialHash: db.prepare<{ identityId: string; passwordHash: string }>(
        'UPDATE user_credentials SET password_hash = @passwordHash WHERE identity_id = @identityId',
      ),
      blocksOf: db.prepare<{ userId: string }, BlockRow>(
        'SELECT identifier, ip, connection FROM user_blocks WHERE user_id = @userId ORDER BY rowid',
      ),
      blocksByIdentifier: db.prepare<{ identifier: string }, BlockRow>(
        'SELECT identifier, ip, connection FROM user_blocks WHERE lower(identifier) = lower(@identifier) ORDER BY rowid',
      ),
      insertBlock: db.prepare<BlockRow & { user_id: string; created_at: string }>(
        'INSERT INTO user_blocks (user_id, identifier, ip, connection, created_at) VALUES (@user_id, @identifier, @ip, @connection, @created_at)',
      ),
      deleteBlocks: db.prepare<{ userId: string }>('DELETE FROM user_blocks WHERE user_id = @userId'),
      deleteBlocksByIdentifier: db.prepare<{ identifier: string }>(
        'DELETE FROM user_blocks WHERE lower(identifier) = lower(@identifier)',
      ),
    };
  }

  /** Exact, case-insensitive, through the lower(email) index. */
  findByEmail(email: string): User[] {
    return this.statements.byEmail.all({ email }).map((row) => this.toItem(row));
  }

  search(search: UserSearch): { users: User[]; total: number } {
    const filter = compileUserQuery(search.q ?? '');
    const where =
      search.connection === undefined
        ? filter.where
        : `${filter.where} AND EXISTS (SELECT 1 FROM user_identities i WHERE i.user_id = u.user_id AND i.connection = @connection)`;
    const parameters: SqlParameters =
      search.connection === undefined ? filter.parameters : { ...filter.parameters, connection: search.connection };
    const total =
      this.db
        .prepare<SqlParameters, { count: number }>(`SELECT count(*) AS count FROM users u WHERE ${where}`)
        .get(parameters)?.count ?? 0;
    const rows = this.db
      .prepare<SqlParameters, UserRow>(
        `SELECT ${USER_COLUMNS} FROM users u WHERE ${where} ORDER BY ${compileUserSort(search.sort)} LIMIT @limit OFFSET @offset`,
      )
      .all({ ...parameters, limit: search.limit, offset: search.offset });
    return { users: rows.map((row) => this.toItem(row)), total };
  }

  create(input: UserCreate): User {
    const connection = this.connections.getByName(input.connection);
    if (!connection) throw badRequest('The connection does not exist.', 'inexistent_connection');
    if (connection.strategy !== 'auth0') {
      throw badRequest(
        `Connection '${input.connection}' is not supported for this operation (database connections only).`,
        'operation_not_supported',
      );
    }
    if (!input.email) throw badRequest("Payload validation error: 'Missing required property: email'.");
    if (!input.password) throw badRequest("Payload validation error: 'Missing required property: password'.");
    assertPasswordPolicy(input.password, passwordPolicy(connection), minPasswordLength(connection));
    // Auth0 stores database emails lower-cased.
    const email = input.email.toLowerCase();
    const identityId = input.user_id ?? newDatabaseUserKey();
    const passwordHash = hashPassword(input.password);
    return this.db.transaction(() => {
      if (this.databaseEmailOwner(connection.name, email))
        throw conflict('The user already exists.', 'auth0_idp_error');
      const userId = this.insertUser({ ...input, identityId, email }, connection);
      this.statements.insertCredential.run({ identityId, connection: connection.name, email, passwordHash });
      return this.require(userId);
    })();
  }

  update(userId: string, patch: UserUpdate): User {
    return this.db.transaction(() => {
      const row = this.rowByKey(userId);
      if (!row) throw this.missingError();
      if (patch.connection !== undefined && patch.connection !== row.connection) {
        throw badRequest(
          'The sandbox only updates the primary identity; updating a linked identity is not supported.',
          'operation_not_supported',
        );
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
        if (!isDatabase)
          throw badRequest('Email can only be changed for database users in the sandbox.', 'operation_not_supported');
        if (patch.email === null) throw badRequest('Email cannot be removed from a database user.');
        const owner = this.databaseEmailOwner(row.connection, patch.email);
        if (owner !== undefined && owner !== userId)
          throw conflict('The specified new email already exists', 'email_conflict');
        email = patch.email.toLowerCase();
        // A new address is unverified unless the caller says otherwise, as in Auth0.
        emailVerified = patch.email_verified ?? false;
        this.statements.updateCredentialEmail.run({ identityId: identityIdOf(userId), email });
      }
      if (patch.password !== undefined && patch.password !== null) {
        if (!isDatabase || !connection)
          throw badRequest('Password can only be set for database users.', 'operation_not_supported');
        assertPasswordPolicy(patch.password, passwordPolicy(connection), minPasswordLength(connection));
        this.statements.updateCredentialHash.run({
          identityId: identityIdOf(userId),
          passwordHash: hashPassword(patch.password),
        });
      }
      const appMetadata = patch.app_metadata
        ? mergeMetadata(parseDoc(row.app_metadata), patch.app_metadata)
        : parseDoc<JsonObject>(row.app_metadata);
      const userMetadata = patch.user_metadata
        ? mergeMetadata(parseDoc(row.user_metadata), patch.user_metadata)
        : parseDoc<JsonObject>(row.user_metadata);
      this.statements.updateUser.run({
        user_id: userId,
        email,
        email_verified: emailVerified ? 1 : 0,
        blocked: (patch.blocked ?? row.blocked === 1) ? 1 : 0,
        updated_at: nowIso(),
        profile: JSON.stringify(profile),
        app_metadata: JSON.stringify(appMetadata),
        user_metadata: JSON.stringify(userMetadata),
      });
      return this.require(userId);
    })();
  }

  delete(userId: string): void {
    this.removeRow(userId);
  }

  /**
   * Links the secondary account (provider + its identity id) under the primary: the secondary's
   * identities move to the primary (with the secondary's profile as profileData) and the
   * secondary user is removed; its metadata is lost, as in Auth0. Returns the primary's identities.
   */
  link(primaryId: string, secondary: { provider: string; identityId: string; connectionId?: string }): UserIdentity[] {
    return this.db.transaction(() => {
      this.require(primaryId);
      const identity = this.statements.identity.get({ provider: secondary.provider, identityId: secondary.identityId });
      const secondaryUserId = `${secondary.provider}|${secondary.identityId}`;
      if (!identity || identity.user_id !== secondaryUserId) {
        throw notFound('The secondary user does not exist or is already linked.', 'inexistent_user');
      }
      if (secondaryUserId === primaryId)
        throw badRequest('Main identity and the new one are the same.', 'invalid_body');
      if (
        secondary.connectionId !== undefined &&
        this.connections.getByName(identity.connection)?.id !== secondary.connectionId
      ) {
        throw badRequest("connection_id does not match the secondary identity's connection.");
      }
      const secondaryUser = this.require(secondaryUserId);
      this.statements.moveIdentities.run({
        fromUserId: secondaryUserId,
        toUserId: primaryId,
        profileData: JSON.stringify(profileData(secondaryUser)),
        linkedAt: nowIso(),
      });
      this.statements.deleteUser.run({ userId: secondaryUserId });
      return this.identities(primaryId);
    })();
  }

  /** Detaches a linked identity into a user of its own again; returns the primary's identities. */
  unlink(primaryId: string, provider: string, identityId: string): UserIdentity[] {
    return this.db.transaction(() => {
      this.require(primaryId);
      const identity = this.statements.identity.get({ provider, identityId });
      if (!identity || identity.user_id !== primaryId)
        throw notFound('The identity is not linked to this user.', 'inexistent_identity');
      if (`${provider}|${identityId}` === primaryId)
        throw badRequest('Main identity cannot be removed.', 'operation_not_supported');
      const data = identity.profile_data ? parseDoc<JsonObject>(identity.profile_data) : {};
      const now = nowIso();
      const profile = Object.fromEntries(
        PROFILE_KEYS.filter((key) => data[key] !== undefined).map((key) => [key, data[key]]),
      );
      const newUserId = `${provider}|${identityId}`;
      this.statements.insertUser.run({
        user_id: newUserId,
        email: typeof data.email === 'string' ? data.email : null,
        connection: identity.connection,
        email_verified: data.email_verified === true ? 1 : 0,
        blocked: 0,
        created_at: now,
        updated_at: now,
        profile: JSON.stringify(profile),
        app_metadata: '{}',
        user_metadata: '{}',
      });
      this.statements.detachIdentity.run({ userId: newUserId, provider, identityId });
      return this.identities(primaryId);
    })();
  }

  identities(userId: string): UserIdentity[] {
    return this.statements.identitiesOf.all({ userId }).map(toIdentity);
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
          this.statements.insertCredential.run({ identityId, connection: connection.name, email, passwordHash });
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
    const identity = this.statements.identity.get({ provider, identityId });
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
    const credential = this.statements.credentialByEmail.get({ connection, email });
    if (!credential || !verifyPassword(password, credential.password_hash)) return undefined;
    const user = this.identityOwner('auth0', credential.identity_id);
    return user ? { user, identityId: credential.identity_id } : undefined;
  }

  /** Who holds the database identity with this email (its primary user), without a password check. */
  databaseIdentityOwner(connection: string, email: string): User | undefined {
    const credential = this.statements.credentialByEmail.get({ connection, email });
    return credential ? this.identityOwner('auth0', credential.identity_id) : undefined;
  }

  recordLogin(userId: string, ip?: string): User {
    const now = nowIso();
    if (this.statements.recordLogin.run({ userId, ip: ip ?? null, now }).changes === 0) throw this.missingError();
    return this.require(userId);
  }

  blocks(userId: string): UserBlock[] {
    this.require(userId);
    return this.statements.blocksOf.all({ userId }).map(toBlock);
  }

  blocksByIdentifier(identifier: string): UserBlock[] {
    return this.statements.blocksByIdentifier.all({ identifier }).map(toBlock);
  }

  /** For the login half: what brute-force protection records after too many failures. */
  addBlock(userId: string, block: UserBlock): void {
    this.require(userId);
    this.statements.insertBlock.run({
      user_id: userId,
      identifier: block.identifier,
      ip: block.ip ?? null,
      connection: block.connection,
      created_at: nowIso(),
    });
  }

  clearBlocks(userId: string): void {
    this.require(userId);
    this.statements.deleteBlocks.run({ userId });
  }

  clearBlocksByIdentifier(identifier: string): void {
    this.statements.deleteBlocksByIdentifier.run({ identifier });
  }

  /** Who holds a database identity with this email: a user row or a (possibly linked) credential. */
  private databaseEmailOwner(connection: string, email: string): string | undefined {
    const user = this.statements.userByConnectionEmail.get({ connection, email });
    if (user) return user.user_id;
    const credential = this.statements.credentialByEmail.get({ connection, email });
    return credential ? `auth0|${credential.identity_id}` : undefined;
  }

  private insertUser(
    input: UserProfile & {
      identityId: string;
      email?: string;
      email_verified?: boolean;
      blocked?: boolean;
      app_metadata?: JsonObject;
      user_metadata?: JsonObject;
    },
    connection: Connection,
  ): string {
    // Auth0's identity provider name is the connection's strategy (auth0, google-oauth2, ...).
    const provider = connection.strategy;
    const userId = `${provider}|${input.identityId}`;
    if (this.rowByKey(userId) || this.statements.identity.get({ provider, identityId: input.identityId })) {
      throw conflict('The user already exists.', 'auth0_idp_error');
    }
    const now = nowIso();
    const profile: UserProfile = { ...defaultProfile(input.email) };
    for (const key of PROFILE_KEYS) if (input[key] !== undefined) Object.assign(profile, { [key]: input[key] });
    this.statements.insertUser.run({
      user_id: userId,
      email: input.email ?? null,
      connection: connection.name,
      email_verified: input.email_verified ? 1 : 0,
      blocked: input.blocked ? 1 : 0,
      created_at: now,
      updated_at: now,
      profile: JSON.stringify(profile),
      app_metadata: JSON.stringify(input.app_metadata ?? {}),
      user_metadata: JSON.stringify(input.user_metadata ?? {}),
    });
    this.statements.insertIdentity.run({
      provider,
      identity_id: input.identityId,
      user_id: userId,
      connection: connection.name,
      is_social: NON_SOCIAL.has(connection.strategy) ? 0 : 1,
    });
    return userId;
  }

  protected toItem(row: UserRow): User {
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

function toBlock(row: BlockRow): UserBlock {
  return { identifier: row.identifier, connection: row.connection, ...(row.ip !== null ? { ip: row.ip } : {}) };
}
