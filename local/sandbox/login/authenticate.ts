import { badRequest } from '../errors';
import type { Client, Connection, Store, User } from '../store';
import type { BruteForceProtection } from './brute-force';
import type { LoginFlow, LoginRequest, SocialProfile } from './types';

/**
 * What Auth0 does before the post-login Actions run: find the application and the connection,
 * check the grant and that the connection is enabled for the application, authenticate the user
 * (database password, simulated social provider, or the existing session / refresh token), refuse
 * blocked users, and record the login. A malformed request is a 400; a refused login is a denial.
 */

/** The identity that signed in: the user it belongs to may be another one (a linked primary). */
export interface SignedInIdentity {
  provider: string;
  id: string;
}

export interface Authenticated {
  client: Client;
  connection: Connection;
  flow: LoginFlow;
  ip: string;
  /** The (primary) user that holds the identity, after the login was recorded. */
  user: User;
  identity: SignedInIdentity;
}

export interface Refusal {
  error: string;
  description: string;
  userId?: string;
}

export type Authentication = { ok: true; login: Authenticated } | { ok: false; refusal: Refusal };

// The grant each flow needs on the client, with the names Auth0 uses in its refusal.
const GRANTS: Record<LoginFlow, { any: readonly string[]; name: string }> = {
  interactive: { any: ['authorization_code', 'implicit'], name: 'authorization_code' },
  'prompt-none': { any: ['authorization_code', 'implicit'], name: 'authorization_code' },
  'refresh-token': { any: ['refresh_token'], name: 'refresh_token' },
  password: { any: ['password', 'http://auth0.com/oauth/grant-type/password-realm'], name: 'password' },
};

const PROFILE_FIELDS = ['name', 'given_name', 'family_name', 'nickname', 'picture'] as const;

const WRONG_CREDENTIALS: Refusal = { error: 'invalid_grant', description: 'Wrong email or password.' };
export const USER_BLOCKED = { error: 'unauthorized', description: 'user is blocked' } as const;
const TOO_MANY_ATTEMPTS = {
  error: 'too_many_attempts',
  description: 'Your account has been blocked after multiple consecutive login attempts.',
} as const;

export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly bruteForce: BruteForceProtection,
  ) {}

  authenticate(request: LoginRequest): Authentication {
    const client = this.client(request.client);
    const connection = this.store.connections.getByName(request.connection);
    if (!connection) throw badRequest(`Unknown connection "${request.connection}"`, 'invalid_request');
    const ip = request.ip ?? '127.0.0.1';

    const grant = GRANTS[request.flow];
    if (!grant.any.some((type) => client.grant_types.includes(type))) {
      return refuse('unauthorized_client', `Grant type '${grant.name}' not allowed for the client.`);
    }
    if (!this.store.connections.enabledClients(connection.id).includes(client.client_id)) {
      return refuse('invalid_request', `The connection "${connection.name}" is not enabled for this client.`);
    }

    const signedIn = this.signIn(request, connection, ip);
    if (!signedIn.ok) return signedIn;
    const { user, identity } = signedIn;
    if (user.blocked) return refuse(USER_BLOCKED.error, USER_BLOCKED.description, user.user_id);
    // Auth0 counts logins and sessions, not token refreshes.
    const recorded = request.flow === 'refresh-token' ? user : this.store.users.recordLogin(user.user_id, ip);
    return { ok: true, login: { client, connection, flow: request.flow, ip, user: recorded, identity } };
  }

  /**
   * A database sign-in, as the login form (or the linking page) does it: brute-force blocks first,
   * then the password. The answer never says whether the email exists.
   */
  databaseSignIn(
    connection: string,
    email: string,
    password: string,
    ip: string,
  ): { ok: true; user: User; identity: SignedInIdentity } | { ok: false; refusal: Refusal } {
    if (this.bruteForce.isBlocked(connection, email, ip))
      return refuse(TOO_MANY_ATTEMPTS.error, TOO_MANY_ATTEMPTS.description);
    const login = this.store.users.databaseLogin(connection, email, password);
    if (!login) {
      this.bruteForce.recordFailure(connection, email, ip);
      return { ok: false, refusal: WRONG_CREDENTIALS };
    }
    this.bruteForce.recordSuccess(connection, email, ip);
    return { ok: true, user: login.user, identity: { provider: 'auth0', id: login.identityId } };
  }

  private client(idOrName: string): Client {
    const byId = this.store.clients.get(idOrName);
    if (byId && !byId.global) return byId;
    const named = this.store.clients.list().filter((client) => !client.global && client.name === idOrName);
    if (named.length === 1 && named[0]) return named[0];
    if (named.length > 1)
      throw badRequest(`Several applications are named "${idOrName}"; use the client id`, 'invalid_request');
    throw badRequest(`Unknown client "${idOrName}" (give a client id or an application name)`, 'invalid_request');
  }

  private signIn(
    request: LoginRequest,
    connection: Connection,
    ip: string,
  ): { ok: true; user: User; identity: SignedInIdentity } | { ok: false; refusal: Refusal } {
    if (request.flow === 'refresh-token' || request.flow === 'prompt-none') {
      if (!request.user)
        throw badRequest(
          `The ${request.flow} flow needs "user" (a user id or email) of an existing user`,
          'invalid_request',
        );
      return { ok: true, ...this.existingUser(request.user, connection) };
    }
    if (connection.strategy === 'auth0') {
      if (request.email === undefined || request.password === undefined) {
        throw badRequest(
          `A login with the database connection "${connection.name}" needs "email" and "password"`,
          'invalid_request',
        );
      }
      return this.databaseSignIn(connection.name, request.email, request.password, ip);
    }
    if (request.flow === 'password')
      throw badRequest('The password grant works with database connections only', 'invalid_request');
    if (!request.profile) {
      throw badRequest(
        `A login with "${connection.name}" needs "profile": what the identity provider returned ({sub, email, ...})`,
        'invalid_request',
      );
    }
    return { ok: true, ...this.socialSignIn(connection, request.profile) };
  }

  /**
   * The first sign-in creates the user; later ones refresh its root profile from the provider
   * when the connection says so (`set_user_root_attributes`, default `on_each_login`). A linked
   * secondary identity never overwrites its primary's profile.
   */
  private socialSignIn(connection: Connection, profile: SocialProfile): { user: User; identity: SignedInIdentity } {
    const identity = { provider: connection.strategy, id: profile.sub };
    const rootAttributes = connection.options.set_user_root_attributes ?? 'on_each_login';
    const fields = Object.fromEntries(
      PROFILE_FIELDS.filter((key) => profile[key] !== undefined).map((key) => [key, profile[key]]),
    );
    return this.store.db.transaction(() => {
      const existing = this.store.users.identityOwner(identity.provider, identity.id);
      if (!existing) {
        const user = this.store.users.findOrCreateFromIdentity({
          connection: connection.name,
          identityId: profile.sub,
          ...(profile.email !== undefined ? { email: profile.email } : {}),
          email_verified: profile.email_verified === true,
          ...(rootAttributes === 'never_on_login' ? {} : fields),
        });
        return { user, identity };
      }
      const isPrimary = existing.user_id === `${identity.provider}|${identity.id}`;
      if (!isPrimary || rootAttributes !== 'on_each_login') return { user: existing, identity };
      const user = this.store.users.update(existing.user_id, {
        ...fields,
        email_verified: profile.email_verified === true,
      });
      return { user, identity };
    })();
  }

  /** The user of a refresh token or an existing session: by user id (any linked identity's too) or by email. */
  private existingUser(idOrEmail: string, connection: Connection): { user: User; identity: SignedInIdentity } {
    let user: User | undefined;
    if (idOrEmail.includes('|')) {
      const bar = idOrEmail.indexOf('|');
      user =
        this.store.users.get(idOrEmail) ??
        this.store.users.identityOwner(idOrEmail.slice(0, bar), idOrEmail.slice(bar + 1));
    } else {
      const matches = this.store.users
        .findByEmail(idOrEmail)
        .filter((candidate) => candidate.identities.some((i) => i.connection === connection.name));
      if (matches.length > 1)
        throw badRequest(`Several users with that email use "${connection.name}"; give the user id`, 'invalid_request');
      user = matches[0];
    }
    const identity = user?.identities.find((i) => i.connection === connection.name);
    if (!user || !identity)
      throw badRequest(`No user "${idOrEmail}" with an identity on "${connection.name}"`, 'invalid_request');
    return { user, identity: { provider: identity.provider, id: identity.user_id } };
  }
}

function refuse(error: string, description: string, userId?: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { error, description, ...(userId !== undefined ? { userId } : {}) } };
}
