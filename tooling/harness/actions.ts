import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { API, Event, JsonObject } from '../../actions/platform/post-login';
import {
  buildEvent,
  loadActionFile,
  runLogin,
  signSessionToken,
  type DeepPartial,
  type LoadedAction,
  type LoginResult,
  type Scenario,
} from '../../local/runtime';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_DOMAIN } from './fake-management-api';

/** Loading the compiled bundles (built by test/setup/build-bundles.ts) and playing the pages. */

export const ACTION_NAMES = ['gate-apps', 'prompt-account-linking', 'enforce-terms', 'override-profile'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

// Made per process: the harness holds no credential-looking constant.
export const SESSION_SECRET = randomBytes(32).toString('base64url');
export const TERMS_VERSION = '2026-01';
export const LINKING_URL = 'https://account.example.com/link';
export const TERMS_URL = 'https://account.example.com/terms';

/** The secrets each Action is deployed with (tenant.yaml names). */
export const SECRETS: Record<ActionName, Record<string, string>> = {
  'gate-apps': {},
  'prompt-account-linking': {
    LINKING_URL,
    SESSION_TOKEN_SECRET: SESSION_SECRET,
    MGMT_DOMAIN: FAKE_DOMAIN,
    MGMT_CLIENT_ID: FAKE_CLIENT_ID,
    MGMT_CLIENT_SECRET: FAKE_CLIENT_SECRET,
  },
  'enforce-terms': { TERMS_VERSION, TERMS_URL, SESSION_TOKEN_SECRET: SESSION_SECRET },
  'override-profile': {},
};

export function bundlePath(name: ActionName): string {
  return join(__dirname, '..', '..', 'dist', 'actions', `${name}.js`);
}

export function loadBundle(
  name: ActionName,
  options: { secrets?: Record<string, string>; fetch?: typeof fetch } = {},
): LoadedAction {
  return loadActionFile(bundlePath(name), {
    name,
    secrets: options.secrets ?? SECRETS[name],
    fetch: options.fetch ?? refuseFetch,
  });
}

/** The four Actions in binding order, sharing one Management API fetch. */
export function loadPipeline(fetchImpl: typeof fetch): LoadedAction[] {
  return ACTION_NAMES.map((name) => loadBundle(name, { fetch: fetchImpl }));
}

/** The default fetch of Actions that must not call out. */
export const refuseFetch: typeof fetch = () => Promise.reject(new Error('unexpected network call'));

export function event(scenario: Scenario = {}, overrides: DeepPartial<Event> = {}): Event {
  return buildEvent(scenario, overrides);
}

export function runOne(action: LoadedAction, ev: Event, budgetMs?: number): Promise<LoginResult> {
  return runLogin({ actions: [action], event: ev, budgetMs });
}

type Redirect = Extract<LoginResult, { outcome: 'redirect' }>;

export function asRedirect(result: LoginResult): Redirect {
  if (result.outcome !== 'redirect')
    throw new Error(
      `expected a redirect, got ${result.outcome}${result.outcome === 'denied' ? ` (${result.reason})` : ''}`,
    );
  return result;
}

/** The page's signed answer, POSTed back to /continue as Auth0 recommends. */
export function answer(
  result: LoginResult,
  payload: JsonObject,
  options: { secret?: string; subject?: string; state?: string; expiresInSeconds?: number; nowMs?: number } = {},
): Promise<LoginResult> {
  const redirect = asRedirect(result);
  const token = signSessionToken({
    secret: options.secret ?? SESSION_SECRET,
    subject: options.subject ?? redirect.user.user_id,
    state: options.state ?? redirect.state,
    payload,
    expiresInSeconds: options.expiresInSeconds,
    nowMs: options.nowMs,
  });
  return redirect.continue({ method: 'POST', body: { session_token: token, state: redirect.state } });
}

/** The session_token the Action sent the browser away with, decoded (signature checked by the page, not here). */
export function sentToken(result: LoginResult): { url: URL; claims: Record<string, unknown> } {
  const url = new URL(asRedirect(result).url);
  const token = url.searchParams.get('session_token') ?? '';
  const [, payload = ''] = token.split('.');
  return { url, claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown> };
}

/** An Action that caught an unexpected exception logs `unexpected <ErrorName>`: no test input may cause one. */
export function unexpectedErrors(result: LoginResult): string[] {
  return result.logs.filter((l) => l.message.includes('unexpected')).map((l) => `${l.action}: ${l.message}`);
}

export const isoAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

/**
 * A bare `api` that records denials, for calling a compiled handler directly with an event the
 * runtime could not carry (e.g. one whose property access throws). Any other call throws.
 */
export function recordingApi(): API & { denials: string[] } {
  const denials: string[] = [];
  const api = new Proxy({ denials } as unknown as API & { denials: string[] }, {
    get(target, key) {
      if (key === 'denials') return denials;
      if (key === 'access')
        return {
          deny: (reason: string) => {
            denials.push(reason);
            return api;
          },
        };
      if (key === 'then') return undefined;
      throw new Error(`recordingApi: api.${String(key)} is not available`);
    },
  });
  return api;
}
