import { randomBytes } from 'node:crypto';
import { ApiError } from '../errors';
import type { EngineResult, LoginEngine } from '../login/engine';
import type { RequestContext } from '../login/event';
import type { LoginRequest } from '../login/types';
import type { Store, TenantSettings } from '../store';
import { validateAuthorize, type ResponseMode } from './authorize';
import type { AuthorizationTransaction, OidcStore, SsoSession } from './store';
import { newBrowserKey, type TransactionCookie } from './transaction-cookies';

/**
 * The browser side of the authorization code flow: `/authorize` decides between the SSO session
 * and the login pages, every login goes through the one LoginEngine (so through the deployed
 * Actions), and a finished login ends with a code at the registered redirect_uri and an SSO session.
 */

/** How a step answers the browser. */
export type FlowAnswer =
  /** `transaction`: the cookie that binds a transaction just started to this browser. */
  | { type: 'redirect'; location: string; session?: SsoSession; transaction?: TransactionCookie }
  /** response_mode=form_post: a page whose form the browser posts to the application at once. */
  | { type: 'form_post'; action: string; fields: Record<string, string>; session?: SsoSession }
  | { type: 'error'; status: number; error: string; description: string }
  /** The credentials were refused before any Action ran: the page shows the error and asks again. */
  | { type: 'retry'; error: string; description: string };

/** What the browser sent besides the query: for the Actions' `event.request`. */
export interface BrowserRequest {
  ip: string;
  userAgent: string;
  language?: string;
}

/** The answer to the application at its redirect_uri, in the requested response mode. */
export function toApplication(
  redirectUri: string,
  mode: ResponseMode,
  fields: Record<string, string | undefined>,
  session?: SsoSession,
): FlowAnswer {
  const defined = Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const withSession = session ? { session } : {};
  if (mode === 'form_post') return { type: 'form_post', action: redirectUri, fields: defined, ...withSession };
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(defined)) url.searchParams.set(name, value);
  return { type: 'redirect', location: url.toString(), ...withSession };
}

const TRANSACTION_LIFETIME_MS = 60 * 60_000;
const CODE_LIFETIME_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;
// Refusals that a login page shows next to the form (Auth0's Universal Login does the same).
const CREDENTIAL_ERRORS = new Set(['invalid_grant', 'too_many_attempts', 'unauthorized']);

/** When the session ends if unused: the tenant's idle_session_lifetime (hours, default 72) after its last use. */
export function sessionIdleExpiresAt(session: SsoSession, settings: TenantSettings): number {
  const idleHours = typeof settings.idle_session_lifetime === 'number' ? settings.idle_session_lifetime : 72;
  return session.last_interacted_at + idleHours * HOUR_MS;
}

/** Within both the absolute and the idle lifetime. */
export function sessionActive(session: SsoSession, settings: TenantSettings, now: number): boolean {
  return now < session.expires_at && now < sessionIdleExpiresAt(session, settings);
}

export function newId(): string {
  return randomBytes(24).toString('base64url');
}

export class AuthorizationFlow {
  constructor(
    private readonly store: Store,
    private readonly oidc: OidcStore,
    private readonly engine: LoginEngine,
    private readonly endpoint: () => { managementAudience: string; issuer: string },
    // Read at each call (not Date.now captured once), so that a test can move the clock.
    private readonly now: () => number = () => Date.now(),
  ) {}

  async authorize(
    query: Record<string, string>,
    browser: BrowserRequest,
    sessionId: string | undefined,
    origin: string,
  ): Promise<FlowAnswer> {
    const validation = validateAuthorize(query, this.store, this.endpoint().managementAudience);
    if (!validation.ok) {
      if ('page' in validation)
        return {
          type: 'error',
          status: validation.page.status,
          error: validation.page.error,
          description: validation.page.description,
        };
      const { redirectUri, responseMode, error, description, state } = validation.redirect;
      return toApplication(redirectUri, responseMode, { error, error_description: description, state });
    }
    const { params } = validation;
    const browserKey = newBrowserKey();
    const transaction: AuthorizationTransaction = {
      id: newId(),
      csrf: newId(),
      browser_key: browserKey.hash,
      params,
      user_agent: browser.userAgent,
      ip: browser.ip,
      expires_at: this.now() + TRANSACTION_LIFETIME_MS,
    };
    const cookie: TransactionCookie = {
      id: transaction.id,
      secret: browserKey.secret,
      expires_at: transaction.expires_at,
    };
    const session = sessionId === undefined ? undefined : this.activeSession(sessionId);
    const tooOld =
      session !== undefined &&
      params.max_age !== undefined &&
      this.now() - session.authenticated_at * 1000 > params.max_age * 1000;
    const needsLogin = !session || params.prompt.includes('login') || tooOld;
    const silentOnly = params.prompt.includes('none');
    const back = (error: string, description: string): FlowAnswer =>
      toApplication(params.redirect_uri, params.response_mode, {
        error,
        error_description: description,
        state: params.state,
      });
    if (needsLogin && silentOnly) return back('login_required', 'Login required');
    // Auth0 never skips consent to an API for a non-verifiable (localhost) callback, so silent
    // authentication for an audience fails there; the sandbox has no consent page to show instead.
    if (silentOnly && params.audience !== undefined && new URL(params.redirect_uri).hostname === 'localhost') {
      return back('consent_required', 'Consent required');
    }
    if (!needsLogin && session) {
      const silent = await this.fromSession(transaction, session, browser);
      // Still stored: an Action sent the browser to its page, and /continue must come from this browser.
      if (silent?.type === 'redirect' && this.oidc.transaction(transaction.id))
        return { ...silent, transaction: cookie };
      if (silent) return silent;
      if (silentOnly) return back('login_required', 'Login required');
    }
    this.oidc.putTransaction(transaction);
    return { type: 'redirect', location: this.loginPage(transaction, origin), transaction: cookie };
  }

  /** Where the user signs in: the social provider named by `connection`, the signup page, or the login page. */
  private loginPage(transaction: AuthorizationTransaction, origin: string): string {
    const { params } = transaction;
    const connection =
      params.connection === undefined ? undefined : this.store.connections.getByName(params.connection);
    let page = 'login';
    if (connection && connection.strategy !== 'auth0') page = `social/${encodeURIComponent(connection.name)}`;
    else if (params.screen_hint === 'signup') page = 'signup';
    const location = new URL(`${origin}/u/${page}`);
    location.searchParams.set('state', transaction.id);
    return location.toString();
  }

  /** A sign-in on a login page (database or simulated social): a new SSO session once the login completes. */
  async signIn(
    transaction: AuthorizationTransaction,
    request: Omit<LoginRequest, 'client' | 'flow'>,
    browser: BrowserRequest,
  ): Promise<FlowAnswer> {
    const login = {
      connection: request.connection,
      session_id: newId(),
      existing_session: false,
      auth_time: Math.floor(this.now() / 1000),
    };
    const updated = { ...transaction, login };
    this.oidc.putTransaction(updated);
    return this.run(
      updated,
      { ...request, client: transaction.params.client_id, flow: 'interactive', ip: browser.ip },
      browser,
    );
  }

  /** A login that a redirect Action suspended comes back through /continue. */
  resumed(result: EngineResult): FlowAnswer {
    const transaction = result.transactionId === undefined ? undefined : this.oidc.transaction(result.transactionId);
    if (!transaction)
      return {
        type: 'error',
        status: 400,
        error: 'invalid_request',
        description: 'The login transaction expired: start the login again',
      };
    return this.settle(transaction, result);
  }

  transaction(id: string): AuthorizationTransaction | undefined {
    return this.oidc.transaction(id);
  }

  /** The SSO session behind a cookie, if still within the tenant's absolute and idle lifetimes. */
  activeSession(id: string): SsoSession | undefined {
    const session = this.oidc.session(id);
    if (!session) return undefined;
    if (!sessionActive(session, this.store.tenant.settings(), this.now()) || !this.store.users.get(session.user_id)) {
      this.oidc.deleteSession(id);
      return undefined;
    }
    return session;
  }

  /**
   * The login answered from the SSO session; undefined when the session no longer stands for a
   * login through its connection (the identity was unlinked, the connection disabled for this
   * application): the session ends and the user logs in again.
   */
  private async fromSession(
    transaction: AuthorizationTransaction,
    session: SsoSession,
    browser: BrowserRequest,
  ): Promise<FlowAnswer | undefined> {
    const withSession = {
      ...transaction,
      login: {
        connection: session.connection,
        session_id: session.id,
        existing_session: true,
        auth_time: session.authenticated_at,
      },
    };
    this.oidc.putTransaction(withSession);
    const request: LoginRequest = {
      client: transaction.params.client_id,
      connection: session.connection,
      flow: 'prompt-none',
      user: session.user_id,
      ip: browser.ip,
    };
    try {
      return await this.run(withSession, request, browser);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.oidc.deleteSession(session.id);
      return undefined;
    }
  }

  private async run(
    transaction: AuthorizationTransaction,
    request: LoginRequest,
    browser: BrowserRequest,
  ): Promise<FlowAnswer> {
    const result = await this.engine.run(request, {
      request: this.requestContext(transaction, browser),
      transactionId: transaction.id,
    });
    return this.settle(transaction, result);
  }

  private settle(transaction: AuthorizationTransaction, result: EngineResult): FlowAnswer {
    const { params } = transaction;
    const { response } = result;
    const back = (error: string, description: string): FlowAnswer => {
      this.oidc.deleteTransaction(transaction.id);
      return toApplication(params.redirect_uri, params.response_mode, {
        error,
        error_description: description,
        state: params.state,
      });
    };
    const login = transaction.login;
    if (!login) return back('server_error', 'The login transaction has no signed-in user');
    switch (response.outcome) {
      case 'denied':
        if (!login.existing_session && response.executed.length === 0 && CREDENTIAL_ERRORS.has(response.error)) {
          return { type: 'retry', error: response.error, description: response.error_description };
        }
        if (login.existing_session && params.prompt.includes('none') && response.executed.length === 0)
          return back('login_required', response.error_description);
        return back(response.error, response.error_description);
      case 'redirect':
        if (params.prompt.includes('none')) return back('interaction_required', 'Interaction required');
        // The Action's page answers at /continue, which must come from the browser holding the transaction's cookie.
        return { type: 'redirect', location: response.url };
      case 'allowed': {
        const session = this.keepSession(transaction, login, response.user_id);
        // What the user consented to: Auth0 records a grant per application and API.
        this.oidc.recordGrant(
          {
            user_id: response.user_id,
            client_id: params.client_id,
            audience: params.audience ?? `${this.endpoint().issuer}userinfo`,
            scope: params.scope,
          },
          newId,
        );
        const code = newId();
        this.oidc.putCode(code, {
          client_id: params.client_id,
          redirect_uri: params.redirect_uri,
          scope: params.scope,
          user_id: response.user_id,
          connection: login.connection,
          session_id: session.id,
          auth_time: login.auth_time,
          id_claims: response.claims,
          access_claims: result.accessTokenClaims,
          expires_at: this.now() + CODE_LIFETIME_MS,
          ...(params.code_challenge !== undefined ? { code_challenge: params.code_challenge } : {}),
          ...(params.nonce !== undefined ? { nonce: params.nonce } : {}),
          ...(params.audience !== undefined ? { audience: params.audience } : {}),
        });
        this.oidc.deleteTransaction(transaction.id);
        return toApplication(params.redirect_uri, params.response_mode, { code, state: params.state }, session);
      }
    }
  }

  /** A new session (absolute expiry from the tenant's session_lifetime), or the existing one touched. */
  private keepSession(
    transaction: AuthorizationTransaction,
    login: NonNullable<AuthorizationTransaction['login']>,
    userId: string,
  ): SsoSession {
    const now = this.now();
    const existing = login.existing_session ? this.oidc.session(login.session_id) : undefined;
    const settings = this.store.tenant.settings();
    const lifetimeHours = typeof settings.session_lifetime === 'number' ? settings.session_lifetime : 168;
    const clientId = transaction.params.client_id;
    const ip = transaction.ip ?? '';
    const session: SsoSession = existing
      ? {
          ...existing,
          user_id: userId,
          last_interacted_at: now,
          clients: [...new Set([...(existing.clients ?? []), clientId])],
          device: {
            initial_ip: existing.device?.initial_ip ?? ip,
            initial_user_agent: existing.device?.initial_user_agent ?? transaction.user_agent,
            last_ip: ip,
            last_user_agent: transaction.user_agent,
          },
        }
      : {
          id: login.session_id,
          user_id: userId,
          connection: login.connection,
          authenticated_at: login.auth_time,
          last_interacted_at: now,
          expires_at: now + lifetimeHours * HOUR_MS,
          clients: [clientId],
          device: {
            initial_ip: ip,
            initial_user_agent: transaction.user_agent,
            last_ip: ip,
            last_user_agent: transaction.user_agent,
          },
        };
    this.oidc.putSession(session);
    return session;
  }

  private requestContext(transaction: AuthorizationTransaction, browser: BrowserRequest): RequestContext {
    const { params } = transaction;
    const locale = params.ui_locales?.[0] ?? 'en';
    return {
      method: 'GET',
      query: params.query,
      // The login form's fields (the password) never reach the Actions.
      body: {},
      userAgent: browser.userAgent,
      language: browser.language ?? locale,
      transaction: {
        requested_scopes: params.scope,
        redirect_uri: params.redirect_uri,
        response_type: ['code'],
        response_mode: params.response_mode,
        locale,
        ...(params.state !== undefined ? { state: params.state } : {}),
        ...(params.prompt.length > 0 ? { prompt: params.prompt } : {}),
        ...(params.acr_values !== undefined ? { acr_values: params.acr_values } : {}),
        ...(params.ui_locales !== undefined ? { ui_locales: params.ui_locales } : {}),
        ...(params.login_hint !== undefined ? { login_hint: params.login_hint } : {}),
      },
      ...(transaction.login ? { sessionId: transaction.login.session_id } : {}),
    };
  }
}
