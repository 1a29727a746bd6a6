import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenSigner } from '../auth';
import type { Mailer } from '../email';
import { passwordPolicyRules } from '../email/password-policy';
import { ApiError } from '../errors';
import type { EngineResult } from '../login/engine';
import { sendPage } from '../login/page-reply';
import { errorPage } from '../login/pages';
import type { Connection, Store, User } from '../store';
import { socialSub } from './social';
import type { AuthorizationFlow, BrowserRequest, FlowAnswer } from './flow';
import { loginForm, resetForm, signupForm, socialForm } from './pages';
import type { AuthorizationTransaction, OidcStore } from './store';
import type { TokenEndpoint } from './token-endpoint';
import { OIDC_SCOPES } from './tokens';

/**
 * The sandbox as an OpenID Connect provider for the tenant's applications: discovery,
 * /authorize and its login pages (/u/...), /userinfo, /v2/logout and /oidc/logout. The token
 * endpoint's code and refresh grants are `tokenGrants` (auth.ts routes /oauth/token by grant type).
 */

export interface OidcRoutesOptions {
  store: Store;
  oidc: OidcStore;
  flow: AuthorizationFlow;
  tokens: TokenEndpoint;
  signer: TokenSigner;
  mailer: Mailer;
  endpoint: () => { domain: string; issuer: string };
}

export const SESSION_COOKIE = 'auth0';
const TRANSACTION_COOKIE = 'auth0_txn';

type Fields = Record<string, unknown>;

export const oidcRoutes: FastifyPluginAsync<OidcRoutesOptions> = async (app, options) => {
  const { store, flow, mailer } = options;
  const origin = (): string => `https://${options.endpoint().domain}`;

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    const issuer = options.endpoint().issuer;
    return reply.header('cache-control', 'no-store').send({
      issuer,
      authorization_endpoint: `${issuer}authorize`,
      token_endpoint: `${issuer}oauth/token`,
      userinfo_endpoint: `${issuer}userinfo`,
      jwks_uri: `${issuer}.well-known/jwks.json`,
      end_session_endpoint: `${issuer}oidc/logout`,
      scopes_supported: [...OIDC_SCOPES],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      claims_supported: ['aud', 'auth_time', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'nickname', 'picture', 'sid', 'sub'],
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    });
  });

  const showError = (reply: FastifyReply, status: number, title: string, message: string): FastifyReply =>
    sendPage(reply, { status, title, body: errorPage(title, message), origin: origin() });

  /** A flow step's answer: a redirect (with the session or transaction cookie) or an error page. */
  const answer = (reply: FastifyReply, result: Exclude<FlowAnswer, { type: 'retry' }>): FastifyReply => {
    if (result.type === 'error') return showError(reply, result.status, 'Something went wrong', `${result.error}: ${result.description}`);
    if (result.session) {
      reply.setCookie(SESSION_COOKIE, result.session.id, { path: '/', httpOnly: true, secure: true, sameSite: 'none', expires: new Date(result.session.expires_at) });
    }
    if (result.transaction) reply.setCookie(TRANSACTION_COOKIE, result.transaction, { path: '/u/', httpOnly: true, secure: true, sameSite: 'lax' });
    return reply.header('cache-control', 'no-store').redirect(result.location, 302);
  };

  app.get<{ Querystring: Fields }>('/authorize', async (request, reply) => {
    const result = await flow.authorize(strings(request.query), browserOf(request), request.cookies[SESSION_COOKIE], origin());
    if (result.type === 'retry') return showError(reply, 400, 'Something went wrong', result.description);
    return answer(reply, result);
  });

  /** The transaction a page belongs to; a POST must also carry its cookie and CSRF token. */
  const bound = (request: FastifyRequest, fields: Fields, post: boolean): AuthorizationTransaction | undefined => {
    const state = fields.state;
    if (typeof state !== 'string') return undefined;
    const transaction = flow.transaction(state);
    if (!transaction) return undefined;
    if (post && (request.cookies[TRANSACTION_COOKIE] !== state || fields.csrf !== transaction.csrf)) return undefined;
    return transaction;
  };
  const expired = (reply: FastifyReply): FastifyReply =>
    showError(reply, 400, 'Login expired', 'This login page is unknown, expired or was opened in another browser: go back to the application and log in again.');
  const pageOf = (reply: FastifyReply, transaction: AuthorizationTransaction, status: number, title: string, body: ReturnType<typeof loginForm>): FastifyReply =>
    sendPage(reply, { status, title, body, origin: origin(), redirectOrigins: callbackOrigin(transaction) });

  const clientConnections = (transaction: AuthorizationTransaction): Connection[] =>
    store.connections.list().map((entry) => entry.connection)
      .filter((connection) => store.connections.enabledClients(connection.id).includes(transaction.params.client_id));
  const databaseConnection = (transaction: AuthorizationTransaction): Connection | undefined => {
    const all = clientConnections(transaction).filter((connection) => connection.strategy === 'auth0');
    return all.find((connection) => connection.name === transaction.params.connection) ?? all[0];
  };
  const applicationName = (transaction: AuthorizationTransaction): string => store.clients.get(transaction.params.client_id)?.name ?? 'the application';

  const renderLogin = (reply: FastifyReply, transaction: AuthorizationTransaction, status: number, extra: { error?: string; email?: string } = {}): FastifyReply => {
    const connection = databaseConnection(transaction);
    const social = clientConnections(transaction).filter((c) => c.strategy !== 'auth0').map((c) => c.name);
    if (!connection && social[0]) return reply.redirect(`/u/social/${encodeURIComponent(social[0])}?state=${encodeURIComponent(transaction.id)}`, 302);
    if (!connection) return showError(reply, 400, 'No connection', 'No connection is enabled for this application.');
    const email = extra.email ?? transaction.params.login_hint;
    return pageOf(reply, transaction, status, 'Log in', loginForm({
      state: transaction.id, csrf: transaction.csrf, application: applicationName(transaction), connection: connection.name, social,
      ...(email !== undefined ? { email } : {}), ...(extra.error !== undefined ? { error: extra.error } : {}),
    }));
  };

  /** A sign-in's answer: back to the form when the credentials were refused, on to the callback or an Action's page otherwise. */
  const afterSignIn = (reply: FastifyReply, transaction: AuthorizationTransaction, result: FlowAnswer, retry: (error: string) => FastifyReply): FastifyReply => {
    if (result.type === 'retry') return retry(result.description);
    return answer(reply, result);
  };

  app.get<{ Querystring: Fields }>('/u/login', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    return transaction ? renderLogin(reply, transaction, 200) : expired(reply);
  });

  app.post<{ Body: Fields | undefined }>('/u/login', async (request, reply) => {
    const body = request.body ?? {};
    const transaction = bound(request, body, true);
    if (!transaction) return expired(reply);
    const connection = databaseConnection(transaction);
    const { email, password } = body;
    if (!connection || body.connection !== connection.name || typeof email !== 'string' || typeof password !== 'string' || email === '' || password === '') {
      return renderLogin(reply, transaction, 400, { error: 'Enter your email address and password.' });
    }
    const result = await flow.signIn(transaction, { connection: connection.name, email, password }, browserOf(request));
    return afterSignIn(reply, transaction, result, (error) => renderLogin(reply, transaction, 401, { error, email }));
  });

  const renderSignup = (reply: FastifyReply, transaction: AuthorizationTransaction, status: number, extra: { error?: string; email?: string } = {}): FastifyReply => {
    const connection = databaseConnection(transaction);
    if (!connection) return showError(reply, 400, 'No connection', 'No database connection is enabled for this application.');
    if (connection.options.disable_signup === true) return showError(reply, 403, 'Signup disabled', 'Signups are disabled for this application.');
    return pageOf(reply, transaction, status, 'Sign up', signupForm({
      state: transaction.id, csrf: transaction.csrf, application: applicationName(transaction), connection: connection.name,
      rules: passwordPolicyRules(connection), requiresUsername: connection.options.requires_username === true,
      ...(extra.email ?? transaction.params.login_hint) !== undefined ? { email: extra.email ?? transaction.params.login_hint } : {},
      ...(extra.error !== undefined ? { error: extra.error } : {}),
    }));
  };

  app.get<{ Querystring: Fields }>('/u/signup', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    return transaction ? renderSignup(reply, transaction, 200) : expired(reply);
  });

  app.post<{ Body: Fields | undefined }>('/u/signup', async (request, reply) => {
    const body = request.body ?? {};
    const transaction = bound(request, body, true);
    if (!transaction) return expired(reply);
    const connection = databaseConnection(transaction);
    const { email, password, username } = body;
    if (!connection || connection.options.disable_signup === true || body.connection !== connection.name) return renderSignup(reply, transaction, 400);
    const requiresUsername = connection.options.requires_username === true;
    if (typeof email !== 'string' || typeof password !== 'string' || email === '' || password === ''
      || (requiresUsername && (typeof username !== 'string' || username === ''))) {
      return renderSignup(reply, transaction, 400, { error: 'Fill in every field.', ...(typeof email === 'string' ? { email } : {}) });
    }
    let user;
    try {
      user = store.users.create({
        connection: connection.name, email, password, email_verified: false, ...(requiresUsername && typeof username === 'string' ? { username } : {}),
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const exists = error.statusCode === 409;
      // Auth0 says "user exists" only when the tenant flag asks for it; otherwise a generic error (account enumeration).
      const revealExisting = store.tenant.settings().flags.enable_public_signup_user_exists_error === true;
      const message = exists ? (revealExisting ? 'The user already exists.' : 'Invalid sign up') : passwordMessage(error);
      return renderSignup(reply, transaction, 400, { error: message, email });
    }
    mailer.sendEmail({ template: 'verify_email', user, clientId: transaction.params.client_id, ...(transaction.params.ui_locales?.[0] ? { locale: transaction.params.ui_locales[0] } : {}) });
    const result = await flow.signIn(transaction, { connection: connection.name, email, password }, browserOf(request));
    return afterSignIn(reply, transaction, result, (error) => renderLogin(reply, transaction, 401, { error, email }));
  });

  app.get<{ Querystring: Fields }>('/u/reset-password', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    const connection = transaction && databaseConnection(transaction);
    if (!transaction || !connection) return expired(reply);
    return pageOf(reply, transaction, 200, 'Reset your password', resetForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name, sent: false }));
  });

  app.post<{ Body: Fields | undefined }>('/u/reset-password', async (request, reply) => {
    const body = request.body ?? {};
    const transaction = bound(request, body, true);
    const connection = transaction && databaseConnection(transaction);
    if (!transaction || !connection) return expired(reply);
    if (typeof body.email === 'string' && body.email !== '') {
      const user = store.users.databaseIdentityOwner(connection.name, body.email);
      if (user) mailer.sendEmail({ template: 'reset_email', user, clientId: transaction.params.client_id });
    }
    // The same answer whether or not the email has an account.
    return pageOf(reply, transaction, 200, 'Check your email', resetForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name, sent: true }));
  });

  const socialConnection = (transaction: AuthorizationTransaction, name: string): Connection | undefined =>
    clientConnections(transaction).find((connection) => connection.name === name && connection.strategy !== 'auth0');

  app.get<{ Params: { connection: string }; Querystring: Fields }>('/u/social/:connection', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    const connection = transaction && socialConnection(transaction, request.params.connection);
    if (!transaction || !connection) return expired(reply);
    return pageOf(reply, transaction, 200, `Sign in with ${connection.name}`, socialForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name }));
  });

  app.post<{ Params: { connection: string }; Body: Fields | undefined }>('/u/social/:connection', async (request, reply) => {
    const body = request.body ?? {};
    const transaction = bound(request, body, true);
    const connection = transaction && socialConnection(transaction, request.params.connection);
    if (!transaction || !connection) return expired(reply);
    const retry = (error: string): FastifyReply =>
      pageOf(reply, transaction, 400, `Sign in with ${connection.name}`, socialForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name, error }));
    const { email, name } = body;
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) return retry('Enter the email address of the account.');
    const profile = {
      sub: socialSub(connection.name, email), email: email.toLowerCase(), email_verified: body.email_verified === 'true',
      ...(typeof name === 'string' && name !== '' && name.length <= 300 ? { name } : {}),
    };
    const result = await flow.signIn(transaction, { connection: connection.name, profile }, browserOf(request));
    return afterSignIn(reply, transaction, result, retry);
  });

  app.get('/userinfo', async (request, reply) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const refuse = (): FastifyReply => reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid_token', error_description: 'Unauthorized' });
    if (!match?.[1]) return refuse();
    let claims;
    try {
      const { issuer } = options.endpoint();
      claims = options.signer.verify(match[1], issuer, `${issuer}userinfo`);
    } catch {
      return refuse();
    }
    const scope = claims.scope.split(' ');
    const user = store.users.get(claims.sub);
    if (!user || !scope.includes('openid')) return refuse();
    return {
      sub: user.user_id,
      ...(scope.includes('profile') ? pick(user, ['name', 'given_name', 'family_name', 'nickname', 'picture', 'updated_at']) : {}),
      ...(scope.includes('email') && user.email !== undefined ? { email: user.email, email_verified: user.email_verified } : {}),
    };
  });

  const endSession = (request: FastifyRequest, reply: FastifyReply): void => {
    const id = request.cookies[SESSION_COOKIE];
    if (id !== undefined) options.oidc.deleteSession(id);
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'none' });
  };
  const loggedOut = (reply: FastifyReply): FastifyReply => sendPage(reply, { status: 200, title: 'Logged out', body: errorPage('Logged out', 'You are logged out.'), origin: origin() });

  // https://auth0.com/docs/api/authentication/logout/auth-0-logout
  app.get<{ Querystring: Fields }>('/v2/logout', async (request, reply) => {
    const query = strings(request.query);
    const client = query.client_id === undefined ? undefined : store.clients.get(query.client_id);
    if (query.client_id !== undefined && !client) return showError(reply, 400, 'Logout failed', 'Unknown client_id.');
    const allowed = client ? client.allowed_logout_urls ?? [] : tenantLogoutUrls(store);
    const returnTo = query.returnTo ?? (client ? allowed[0] : undefined);
    if (returnTo !== undefined && !allowed.some((url) => sameLogoutUrl(url, returnTo))) {
      return showError(reply, 400, 'Logout failed', 'The "returnTo" URL is not in the "Allowed Logout URLs" of the application (or of the tenant without client_id).');
    }
    endSession(request, reply);
    return returnTo === undefined ? loggedOut(reply) : reply.header('cache-control', 'no-store').redirect(returnTo, 302);
  });

  // https://auth0.com/docs/api/authentication/logout/oidc-logout (without the confirmation prompt)
  app.get<{ Querystring: Fields }>('/oidc/logout', async (request, reply) => {
    const query = strings(request.query);
    let clientId = query.client_id;
    if (query.id_token_hint !== undefined) {
      const aud = idTokenAudience(options.signer, query.id_token_hint, options.endpoint().issuer);
      if (aud === undefined || (clientId !== undefined && clientId !== aud)) return showError(reply, 400, 'Logout failed', 'Invalid id_token_hint.');
      clientId = aud;
    }
    const client = clientId === undefined ? undefined : store.clients.get(clientId);
    if (clientId !== undefined && !client) return showError(reply, 400, 'Logout failed', 'Unknown client_id.');
    const target = query.post_logout_redirect_uri;
    const allowed = client ? client.allowed_logout_urls ?? [] : tenantLogoutUrls(store);
    if (target !== undefined && !allowed.includes(target)) {
      return showError(reply, 400, 'Logout failed', 'The "post_logout_redirect_uri" is not in the "Allowed Logout URLs".');
    }
    endSession(request, reply);
    if (target === undefined) return loggedOut(reply);
    const url = new URL(target);
    if (query.state !== undefined) url.searchParams.set('state', query.state);
    return reply.header('cache-control', 'no-store').redirect(url.toString(), 302);
  });
};

/** /continue's end of a login that started at /authorize. */
export function resumeAuthorization(flow: AuthorizationFlow, origin: () => string) {
  return (_request: FastifyRequest, reply: FastifyReply, result: EngineResult): FastifyReply => {
    const answer = flow.resumed(result);
    if (answer.type === 'redirect') {
      if (answer.session) {
        reply.setCookie(SESSION_COOKIE, answer.session.id, { path: '/', httpOnly: true, secure: true, sameSite: 'none', expires: new Date(answer.session.expires_at) });
      }
      return reply.header('cache-control', 'no-store').redirect(answer.location, 302);
    }
    const message = answer.type === 'error' ? `${answer.error}: ${answer.description}` : answer.description;
    return sendPage(reply, { status: 400, title: 'Something went wrong', body: errorPage('Something went wrong', message), origin: origin() });
  };
}

/** The origin of the transaction's redirect_uri (none for custom schemes, whose origin is opaque). */
export function callbackOrigin(transaction: AuthorizationTransaction): string[] {
  const { origin } = new URL(transaction.params.redirect_uri);
  return origin === 'null' ? [] : [origin];
}

function browserOf(request: FastifyRequest): BrowserRequest {
  const language = request.headers['accept-language']?.split(',')[0]?.split(';')[0]?.trim();
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '', ...(language ? { language } : {}) };
}

function strings(fields: Fields | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(fields ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function pick(user: User, names: readonly (keyof User)[]): Partial<User> {
  return Object.fromEntries(names.filter((name) => user[name] !== undefined).map((name) => [name, user[name]]));
}

function passwordMessage(error: ApiError): string {
  return error.message.includes('PasswordStrengthError') ? 'Password is too weak: see the rules below.' : error.message;
}

function tenantLogoutUrls(store: Store): string[] {
  const urls = store.tenant.settings().allowed_logout_urls;
  return Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string') : [];
}

/** /v2/logout ignores the query and fragment; scheme and host compare case-insensitively, the path exactly. */
export function sameLogoutUrl(allowed: string, returnTo: string): boolean {
  try {
    const a = new URL(allowed);
    const b = new URL(returnTo);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

/** The `aud` of an ID token this tenant signed (an expired one still names its application). */
function idTokenAudience(signer: TokenSigner, token: string, issuer: string): string | undefined {
  try {
    const keys = signer.jwks().keys.map((jwk) => createPublicKey({ key: jwk, format: 'jwk' }));
    const claims = jwt.verify(token, keys[0] as KeyObject, { algorithms: ['RS256'], issuer, ignoreExpiration: true });
    return typeof claims === 'object' && typeof claims.aud === 'string' ? claims.aud : undefined;
  } catch {
    return undefined;
  }
}
