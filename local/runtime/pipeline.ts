import { randomBytes } from 'node:crypto';
import type { Event, Request } from '../../actions/platform/post-login';
import { ActionExecution, createApi, Transaction, type Denial, type Effects, type Handler } from './api';
import { CacheStore } from './cache';
import { copyData } from './copy';
import { LIMITS } from '../../actions/platform/limits';
import { executionScope, type LoadedAction } from './loader';

/**
 * Runs one login through the post-login Actions in binding order, like Auth0: a deny stops the
 * Actions after the current one, a redirect suspends the flow until `/continue`, each side of a
 * redirect gets its own time budget, and an uncaught exception ends the login as `access_denied`
 * with the exception's message (which is why the Actions must never let one escape).
 */

export interface LoginOptions {
  /** In binding order. */
  actions: LoadedAction[];
  event: Event;
  /** api.cache of the trigger; share one across logins to model a warm instance. */
  cache?: CacheStore;
  /** Clock for tokens, cache expiry and the Actions' `Date` (the time budget always uses the real clock). */
  now?: () => number;
  budgetMs?: number;
}

export interface ContinueRequest {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  body?: Record<string, unknown>;
}

export interface FormResult {
  fields?: Record<string, unknown>;
  vars?: Record<string, unknown>;
}

export type LoginResult = Effects &
  (
    | { outcome: 'allowed' }
    | ({ outcome: 'denied' } & Denial)
    | { outcome: 'redirect'; url: string; state: string; continue(request: ContinueRequest): Promise<LoginResult> }
    | { outcome: 'form'; formId: string; state: string; continue(result: FormResult): Promise<LoginResult> }
  );

interface Phase {
  start: number;
  handler: Handler;
  request: Request;
  continueRequest?: { state: string; query: Record<string, unknown>; body: Record<string, unknown> };
  prompt?: Event['prompt'];
  cache: CacheStore;
}

class BudgetExceeded extends Error {}

export function runLogin(options: LoginOptions): Promise<LoginResult> {
  const now = options.now ?? Date.now;
  const tx = new Transaction(options.event, now); // read-only: each Action gets its own copy
  const phase: Phase = {
    start: 0,
    handler: 'onExecutePostLogin',
    request: tx.event.request,
    cache: options.cache ?? new CacheStore(now),
  };
  return runPhase(options, tx, phase);
}

async function runPhase(options: LoginOptions, tx: Transaction, phase: Phase): Promise<LoginResult> {
  const budgetMs = options.budgetMs ?? LIMITS.triggerBudgetMs;
  const deadline = Date.now() + budgetMs;

  for (let index = phase.start; index < options.actions.length; index++) {
    const action = options.actions[index] as LoadedAction;
    const handlerName: Handler = index === phase.start ? phase.handler : 'onExecutePostLogin';
    const handler = action[handlerName];
    if (!handler) {
      tx.denial = { error: 'access_denied', reason: `Action "${action.name}" has no ${handlerName}` };
      return finish(tx);
    }
    const exec = new ActionExecution(
      action.name,
      handlerName,
      index === phase.start ? phase.continueRequest : undefined,
    );
    const event = eventFor(tx, action, phase, index);
    const api = createApi(tx, exec, phase.cache, event);
    tx.effects.executed.push({ action: action.name, handler: handlerName });
    try {
      await withinBudget(
        executionScope.run({ log: (line) => exec.log(tx, line), now: tx.now }, () => handler(event, api)),
        deadline - Date.now(),
      );
    } catch (error) {
      tx.denial ??=
        error instanceof BudgetExceeded
          ? { error: 'access_denied', reason: 'Script execution time exceeded' }
          : { error: 'access_denied', reason: error instanceof Error ? error.message : String(error) };
      return finish(tx);
    }
    tx.commit(exec);
    if (tx.denial) return finish(tx);

    if (exec.redirect || exec.render) {
      if (!tx.canRedirect) {
        tx.denial = {
          error: 'interaction_required',
          reason: 'The login needs user interaction, which this request does not allow',
        };
        return finish(tx);
      }
      tx.persist(); // Auth0 saves metadata before the browser leaves, so onContinuePostLogin sees it
      return suspend(options, tx, phase, index, exec);
    }
  }

  for (const [token, claims] of [
    ['ID', tx.effects.idTokenClaims],
    ['access', tx.effects.accessTokenClaims],
  ] as const) {
    if (Buffer.byteLength(JSON.stringify(claims), 'utf8') > LIMITS.customClaimsBytesPerToken) {
      tx.denial = {
        error: 'access_denied',
        reason: `Custom claims of the ${token} token exceed ${LIMITS.customClaimsBytesPerToken / 1024} KB`,
      };
    }
  }
  return finish(tx);
}

function finish(tx: Transaction): LoginResult {
  tx.persist();
  const effects = copyData(tx.effects);
  return tx.denial ? { ...effects, outcome: 'denied', ...tx.denial } : { ...effects, outcome: 'allowed' };
}

function suspend(
  options: LoginOptions,
  tx: Transaction,
  phase: Phase,
  index: number,
  exec: ActionExecution,
): LoginResult {
  const state = randomBytes(16).toString('base64url');
  let continued = false;
  const once = (): void => {
    if (continued) throw new Error('This login was already continued');
    continued = true;
  };
  // The /continue request may land on another instance: api.cache is not carried over.
  const nextPhase = (overrides: Partial<Phase>): Phase => ({
    ...phase,
    start: index,
    handler: 'onContinuePostLogin',
    cache: new CacheStore(tx.now),
    ...overrides,
  });

  if (exec.redirect) {
    const url = new URL(exec.redirect.url);
    url.searchParams.set('state', state);
    return {
      ...copyData(tx.effects),
      outcome: 'redirect',
      url: url.toString(),
      state,
      async continue(request) {
        once();
        const query: Record<string, unknown> = { ...request.query };
        const body: Record<string, unknown> = { ...request.body };
        // The browser comes back with the state Auth0 added to the redirect; without it, or with
        // another one, Auth0 fails the login.
        const presented = body['state'] ?? query['state'];
        if (presented !== state) {
          tx.denial = {
            error: 'invalid_request',
            reason: 'The state parameter of the /continue request is missing or invalid',
          };
          return finish(tx);
        }
        const continueRequest = { ...tx.event.request, method: request.method ?? 'GET', query, body };
        return runPhase(options, tx, nextPhase({ request: continueRequest, continueRequest: { state, query, body } }));
      },
    };
  }
  const render = exec.render as NonNullable<ActionExecution['render']>;
  return {
    ...copyData(tx.effects),
    outcome: 'form',
    formId: render.formId,
    state,
    async continue(result) {
      once();
      return runPhase(options, tx, nextPhase({ prompt: { id: render.formId, ...result } }));
    },
  };
}

/** Each Action gets its own copy: what it mutates on `event` changes nothing. */
function eventFor(tx: Transaction, action: LoadedAction, phase: Phase, index: number): Event {
  const event: Event = copyData({ ...tx.event, user: tx.visibleUser, request: phase.request });
  event.secrets = { ...action.secrets };
  if (event.transaction) event.transaction.metadata = { ...tx.effects.transactionMetadata };
  if (phase.prompt && index === phase.start) event.prompt = copyData(phase.prompt);
  return event;
}

async function withinBudget<T>(work: Promise<T>, remainingMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded()), Math.max(0, remainingMs));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
