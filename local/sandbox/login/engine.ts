import { ActionLoadError, runLogin, type ContinueRequest, type LoginResult } from '../../runtime';
import type { TokenSigner } from '../auth';
import type { Client, Store } from '../store';
import { Authenticator, type Refusal } from './authenticate';
import { BruteForceProtection, type AccountBlockedListener } from './brute-force';
import { DeployedActions, type PostLoginPipeline } from './deployed-actions';
import { applyEffects, type LoginSubject } from './effects';
import { buildLoginEvent } from './event';
import { idTokenClaims } from './id-token';
import { PendingLogins } from './pending';
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

interface Suspended {
  subject: LoginSubject;
  client: Client;
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
    this.authenticator = new Authenticator(options.store, new BruteForceProtection(options.store, options.onAccountBlocked));
    this.actions = new DeployedActions(options.store, options.fetch, this.now);
    this.pending = new PendingLogins(options.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS, this.now);
  }

  async login(request: LoginRequest): Promise<LoginResponse> {
    const authentication = this.authenticator.authenticate(request);
    if (!authentication.ok) return denied(authentication.refusal);
    const { login } = authentication;
    let pipeline: PostLoginPipeline;
    try {
      pipeline = this.actions.current();
    } catch (error) {
      // Auth0 fails the login when an Action cannot run; the sandbox says which and why.
      if (error instanceof ActionLoadError) return denied({ error: 'access_denied', description: error.message, userId: login.user.user_id });
      throw error;
    }
    const { domain } = this.options.endpoint();
    const event = buildLoginEvent(login, { tenantName: this.options.tenantName, hostname: domain.split(':')[0] ?? domain, nowMs: this.now() });
    const result = await runLogin({ actions: pipeline.actions, event, cache: pipeline.cache, now: this.now });
    const subject: LoginSubject = { userId: login.user.user_id, identity: login.identity };
    return this.settle(subject, login.client, result);
  }

  /** Resumes the login suspended under `state`; undefined when there is none (unknown, used or expired). */
  async continue(state: string, request: ContinueRequest): Promise<LoginResponse | undefined> {
    const suspended = this.pending.take(state);
    if (!suspended) return undefined;
    return this.settle(suspended.subject, suspended.client, await suspended.resume(request));
  }

  private settle(subject: LoginSubject, client: Client, result: LoginResult): LoginResponse {
    const progress = { executed: result.executed, logs: result.logs };
    const applied = applyEffects(this.options.store, subject, result);
    if (!applied.ok) return denied(applied.refusal, progress);
    const { userId } = applied;
    switch (result.outcome) {
      case 'denied':
        return { ...progress, outcome: 'denied', error: result.error, error_description: result.reason, user_id: userId };
      case 'form':
        return { ...progress, outcome: 'denied', error: 'access_denied', error_description: 'Forms (api.prompt.render) are not supported by the sandbox', user_id: userId };
      case 'redirect': {
        this.pending.put(result.state, { subject, client, resume: (request) => result.continue(request) });
        const continueUrl = `https://${this.options.endpoint().domain}/continue`;
        return { ...progress, outcome: 'redirect', user_id: userId, url: result.url, state: result.state, continue_url: continueUrl };
      }
      case 'allowed': {
        const claims = idTokenClaims({
          issuer: this.options.endpoint().issuer,
          user: this.options.store.users.require(userId),
          client,
          custom: result.idTokenClaims,
          nowMs: this.now(),
        });
        return { ...progress, outcome: 'allowed', user_id: userId, id_token: this.options.signer.signIdToken(claims), claims };
      }
    }
  }
}

function denied(refusal: Refusal, progress: Pick<LoginResponse, 'executed' | 'logs'> = { executed: [], logs: [] }): LoginResponse {
  return {
    ...progress,
    outcome: 'denied',
    error: refusal.error,
    error_description: refusal.description,
    ...(refusal.userId !== undefined ? { user_id: refusal.userId } : {}),
  };
}
