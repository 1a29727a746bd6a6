import { ActionLoadError, runLogin, type ContinueRequest, type LoginResult } from '../../runtime';
import type { TokenSigner } from '../auth';
import type { Client, Store } from '../store';
import { Authenticator, type Refusal } from './authenticate';
import { BruteForceProtection, type AccountBlockedListener } from './brute-force';
import { DeployedActions, type PostLoginPipeline } from './deployed-actions';
import { applyEffects, type LoginSubject } from './effects';
import { buildLoginEvent, type RequestContext } from './event';
import { idTokenClaims } from './id-token';
import { recordLogin, traceOf, type LoginTrace } from './login-log';
import { PendingLogins } from './pending';
import type { JsonValue } from '../store/json';
import type { LoginRequest, LoginResponse } from './types';

/** How long a login waits at a page for its `/continue` (the pages' tokens live 10 minutes). */
const DEFAULT_PENDING_TTL_MS = 15 * 60_000;

export interface LoginEngineOptions {
  store: Store;
  signer: TokenSigner;
  /** Where the tenant is served; known once the server listens. */
  endpoint: () => { domain: string; issuer: string };
  /** The Actions' `fetch` (their Management API calls come back to the sandbox). */
  fetch: typeof fetch;
  tenantName: string;
  pendingTtlMs?: number;
  /** Sends the blocked_account email (local/sandbox/email) when brute-force protection blocks an account. */
  onAccountBlocked?: AccountBlockedListener;
  now?: () => number;
}

/** A login started by the OIDC endpoints rather than POST /sandbox/login. */
export interface LoginContext {
  request: RequestContext;
  /** The authorization transaction this login completes, handed back by `continue`. */
  transactionId?: string;
}

/** A login's answer plus what only the token issuer needs: the Actions' access-token claims. */
export interface EngineResult {
  response: LoginResponse;
  accessTokenClaims: Record<string, JsonValue>;
  transactionId?: string;
}

interface Suspended {
  subject: LoginSubject;
  client: Client;
  trace: LoginTrace;
  transactionId: string | undefined;
  resume(request: ContinueRequest): Promise<LoginResult>;
}

/**
 * Logins through the post-login Actions exactly as deployed in the sandbox (their deployed code,
 * secrets and binding order) on the project's runtime: authenticate, build the event, run the
 * Actions, apply their effects to the stored user, and answer with an ID token, a denial, or a
 * redirect that `/continue` resumes.
 */
export class LoginEngine {
  readonly authenticator: Authenticator;
  private readonly actions: DeployedActions;
  private readonly pending: PendingLogins<Suspended>;
  private readonly now: () => number;

  constructor(private readonly options: LoginEngineOptions) {
    this.now = options.now ?? Date.now;
    this.authenticator = new Authenticator(
      options.store,
      new BruteForceProtection(options.store, options.onAccountBlocked),
    );
    this.actions = new DeployedActions(options.store, options.fetch, this.now);
    this.pending = new PendingLogins(options.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS, this.now);
  }

  async login(request: LoginRequest): Promise<LoginResponse> {
    return (await this.run(request)).response;
  }

  /** One login through the deployed Actions; `context` carries the real HTTP request of the OIDC endpoints. */
  async run(request: LoginRequest, context?: LoginContext): Promise<EngineResult> {
    const transactionId = context?.transactionId;
    const trace = traceOf(request, context?.request.userAgent, this.options.store);
    const authentication = this.authenticator.authenticate(request);
    if (!authentication.ok) {
      const response = denied(authentication.refusal);
      recordLogin(this.options.store, trace, response);
      return { response, accessTokenClaims: {}, ...tagged(transactionId) };
    }
    const { login } = authentication;
    let pipeline: PostLoginPipeline;
    try {
      pipeline = this.actions.current();
    } catch (error) {
      // Auth0 fails the login when an Action cannot run; the sandbox says which and why.
      if (error instanceof ActionLoadError) {
        const response = denied({ error: 'access_denied', description: error.message, userId: login.user.user_id });
        recordLogin(this.options.store, trace, response);
        return { response, accessTokenClaims: {}, ...tagged(transactionId) };
      }
      throw error;
    }
    const { domain } = this.options.endpoint();
    const event = buildLoginEvent(
      login,
      { tenantName: this.options.tenantName, hostname: domain.split(':')[0] ?? domain, nowMs: this.now() },
      context?.request,
    );
    const result = await runLogin({ actions: pipeline.actions, event, cache: pipeline.cache, now: this.now });
    const subject: LoginSubject = { userId: login.user.user_id, identity: login.identity };
    return this.settle(subject, login.client, trace, result, transactionId);
  }

  /** Resumes the login suspended under `state`; undefined when there is none (unknown, used or expired). */
  async continue(state: string, request: ContinueRequest): Promise<EngineResult | undefined> {
    const suspended = this.pending.take(state);
    if (!suspended) return undefined;
    return this.settle(
      suspended.subject,
      suspended.client,
      suspended.trace,
      await suspended.resume(request),
      suspended.transactionId,
    );
  }

  /** The authorization transaction a suspended login belongs to, without resuming it. */
  pendingTransaction(state: string): string | undefined {
    return this.pending.peek(state)?.transactionId;
  }

  private settle(
    subject: LoginSubject,
    client: Client,
    trace: LoginTrace,
    result: LoginResult,
    transactionId: string | undefined,
  ): EngineResult {
    const answer = (response: LoginResponse): EngineResult => {
      // The application is known by now, also when the request named it.
      recordLogin(this.options.store, { ...trace, clientId: client.client_id }, response);
      return { response, accessTokenClaims: result.accessTokenClaims, ...tagged(transactionId) };
    };
    const progress = { executed: result.executed, logs: result.logs };
    const applied = applyEffects(this.options.store, subject, result);
    if (!applied.ok) return answer(denied(applied.refusal, progress));
    const { userId } = applied;
    switch (result.outcome) {
      case 'denied':
        return answer({
          ...progress,
          outcome: 'denied',
          error: result.error,
          error_description: result.reason,
          user_id: userId,
        });
      case 'form':
        return answer({
          ...progress,
          outcome: 'denied',
          error: 'access_denied',
          error_description: 'Forms (api.prompt.render) are not supported by the sandbox',
          user_id: userId,
        });
      case 'redirect': {
        this.pending.put(result.state, {
          subject,
          client,
          trace,
          transactionId,
          resume: (request) => result.continue(request),
        });
        const continueUrl = `https://${this.options.endpoint().domain}/continue`;
        return answer({
          ...progress,
          outcome: 'redirect',
          user_id: userId,
          url: result.url,
          state: result.state,
          continue_url: continueUrl,
        });
      }
      case 'allowed': {
        const claims = idTokenClaims({
          issuer: this.options.endpoint().issuer,
          user: this.options.store.users.require(userId),
          client,
          custom: result.idTokenClaims,
          nowMs: this.now(),
        });
        return answer({
          ...progress,
          outcome: 'allowed',
          user_id: userId,
          id_token: this.options.signer.signIdToken(claims),
          claims,
        });
      }
    }
  }
}

function tagged(transactionId: string | undefined): { transactionId?: string } {
  return transactionId !== undefined ? { transactionId } : {};
}

function denied(
  refusal: Refusal,
  progress: Pick<LoginResponse, 'executed' | 'logs'> = { executed: [], logs: [] },
): LoginResponse {
  return {
    ...progress,
    outcome: 'denied',
    error: refusal.error,
    error_description: refusal.description,
    ...(refusal.userId !== undefined ? { user_id: refusal.userId } : {}),
  };
}
