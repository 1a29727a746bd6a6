import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import type { Client } from '../../local/sandbox';
import { caFetch, type CaFetch } from '../../local/sandbox/login/fetch';
import { PASSWORD, startLoginSandbox, type LoginSandbox } from './login-fixtures';

/**
 * A sandbox with the project's Actions (login-fixtures) plus relying parties for the OIDC tests:
 * a confidential web app (client_secret_basic, rotating refresh tokens), a public SPA (PKCE) and an
 * API that allows offline access. `Browser` is a cookie-keeping HTTP client that follows the
 * sandbox's own redirects and stops where the browser would leave it (the application's callback).
 */

export const CALLBACK = 'https://rp.example.com/callback';
export const LOGOUT_URL = 'https://rp.example.com/logged-out';
export const SPA_CALLBACK = 'https://spa.example.com/';
export const API = 'https://api.example.com/';

export interface OidcSandbox extends LoginSandbox {
  rp: Client & { client_secret: string };
  spaClient: Client;
  caFetch: CaFetch;
}

export async function startOidcSandbox(): Promise<OidcSandbox> {
  const ctx = await startLoginSandbox();
  const { store } = ctx.sandbox;
  store.resourceServers.create({
    identifier: API,
    name: 'Shop API',
    scopes: [{ value: 'read:orders' }, { value: 'write:orders' }],
    allow_offline_access: true,
  });
  const rp = store.clients.create({
    name: 'Relying Party',
    app_type: 'regular_web',
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    callbacks: [CALLBACK],
    allowed_logout_urls: [LOGOUT_URL],
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 600 },
    refresh_token: {
      rotation_type: 'rotating',
      expiration_type: 'expiring',
      leeway: 0,
      token_lifetime: 3600,
      idle_token_lifetime: 1800,
    },
  });
  const spaClient = store.clients.create({
    name: 'Relying SPA',
    app_type: 'spa',
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    callbacks: [SPA_CALLBACK],
    allowed_logout_urls: [SPA_CALLBACK],
    refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring' },
  });
  for (const name of ['customers', 'google-oauth2']) {
    const connection = store.connections.getByName(name);
    if (!connection) throw new Error(`no ${name} connection`);
    store.connections.changeEnabledClients(connection.id, [
      { client_id: rp.client_id, status: true },
      { client_id: spaClient.client_id, status: true },
    ]);
  }
  const fetcher = caFetch(readFileSync(ctx.sandbox.caPath));
  return {
    ...ctx,
    rp: rp as Client & { client_secret: string },
    spaClient,
    caFetch: fetcher,
    close: async () => {
      fetcher.close();
      await ctx.close();
    },
  };
}

/**
 * openid-client's view of the sandbox for one of its clients, over the sandbox's CA: a confidential
 * client (client_secret_basic) when `secret` is given, else a public one.
 */
export async function discoverClient(
  ctx: OidcSandbox,
  clientId: string,
  secret?: string,
): Promise<client.Configuration> {
  const auth = secret === undefined ? client.None() : client.ClientSecretBasic(secret);
  const options = { [client.customFetch]: ctx.caFetch.fetch };
  const config = await client.discovery(new URL(`${ctx.sandbox.url}/`), clientId, undefined, auth, options);
  config[client.customFetch] = ctx.caFetch.fetch;
  return config;
}

/** An authorization request as a relying party starts it, with what it keeps to finish it. */
export interface Authorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** PKCE S256, a state and a nonce; `params` add to or override the rest (scope, audience, prompt…). */
export async function startAuthorization(
  config: client.Configuration,
  redirectUri: string,
  params: Record<string, string> = {},
): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/**
 * The application's login through the tenant's login page with the user's password (skipped when
 * `b` already holds an SSO session), and the tokens of the code exchange.
 */
export async function passwordLogin(
  config: client.Configuration,
  b: Browser,
  email: string,
  params: Record<string, string>,
): Promise<client.TokenEndpointResponse> {
  const started = await startAuthorization(config, CALLBACK, params);
  const page = await b.visit(started.url.toString());
  const done = page.leftTo ? page : await b.submit(page, '/u/login', { email, password: PASSWORD });
  if (!done.leftTo) throw new Error(`the login did not reach the callback: ${done.status} ${done.html.slice(0, 500)}`);
  return client.authorizationCodeGrant(config, new URL(done.leftTo), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
}

export interface Visit {
  status: number;
  /** Set when the sandbox sent the browser elsewhere (the application's callback). */
  leftTo?: string;
  /** The last sandbox URL loaded. */
  url: string;
  html: string;
}

/**
 * A cookie-keeping client that behaves like a browser on the redirects between `origins` (the
 * sandbox, and the account service beside it: both on 127.0.0.1, so they share cookies, as in a
 * browser) and stops where the browser would leave them (the application's callback). Not a
 * browser: SameSite and scripts are the Chromium tests' job.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  private readonly origins: readonly string[];

  /** `fetcher`: for https (it trusts the sandbox's CA); plain http on loopback uses the global fetch. */
  constructor(
    private readonly fetcher: typeof fetch,
    origins: string | readonly string[],
  ) {
    this.origins = typeof origins === 'string' ? [origins] : origins;
  }

  async visit(url: string, form?: Record<string, string>): Promise<Visit> {
    let method = form ? 'POST' : 'GET';
    let current = url;
    let body = form ? new URLSearchParams(form).toString() : undefined;
    for (let hops = 0; hops < 20; hops++) {
      const fetcher = current.startsWith('https:') ? this.fetcher : fetch;
      const response = await fetcher(current, {
        method,
        redirect: 'manual',
        headers: {
          accept: 'text/html',
          'user-agent': 'oidc-test-browser/1.0',
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...(this.cookies.size > 0
            ? { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') }
            : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });
      this.store(response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current);
        if (!this.origins.includes(next.origin))
          return { status: response.status, leftTo: next.toString(), url: current, html: '' };
        current = next.toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      return { status: response.status, url: current, html: await response.text() };
    }
    throw new Error('too many redirects');
  }

  /** Submits the page's (first) form whose action is `action`, with its hidden fields and `fields`. */
  submit(page: Visit, action: string, fields: Record<string, string>): Promise<Visit> {
    return this.visit(new URL(action, page.url).toString(), { ...hiddenFields(page, action), ...fields });
  }

  private store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired =
        value === '' || attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** The hidden fields of the page's form that posts to `action`. */
export function hiddenFields(page: Visit, action: string): Record<string, string> {
  const forms = [...page.html.matchAll(/<form[^>]*\smethod="post"\s+action="([^"]*)"\s*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((match) => unescape(match[1] ?? '') === action);
  if (!form) throw new Error(`no form posting to ${action} on ${page.url}: ${page.html}`);
  return Object.fromEntries(
    [...(form[2] ?? '').matchAll(/<input\s+type="hidden"\s+name="([^"]+)"\s+value="([^"]*)"\s*\/?>/g)].map((m) => [
      m[1] ?? '',
      unescape(m[2] ?? ''),
    ]),
  );
}

function unescape(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_m, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] ?? '',
  );
}
