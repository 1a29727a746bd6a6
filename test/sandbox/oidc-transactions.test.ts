import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OidcStore } from '../../local/sandbox/oidc';
import { MAX_BROWSER_TRANSACTIONS } from '../../local/sandbox/oidc/transaction-cookies';
import { PASSWORD, databaseUser, deployAction, returningMetadata } from './login-fixtures';
import {
  discoverClient,
  Browser,
  CALLBACK,
  SPA_CALLBACK,
  startOidcSandbox,
  type OidcSandbox,
  type Visit,
} from './oidc-fixtures';

// Concurrent authorization transactions in one browser (one cookie jar), as Auth0 keeps them
// apart: two logins started side by side, and a login started while another waits at an Action's
// page, which then continues. Each transaction stays bound to its browser, the number a browser
// holds is bounded, and a transaction expires.

/** Sends the Relying Party's logins to a page of its own (another site) and lets them through on /continue. */
const PAGE = 'https://pages.example.com/step';

let ctx: OidcSandbox;
let rp: client.Configuration;
let spa: client.Configuration;

beforeAll(async () => {
  ctx = await startOidcSandbox();
  deployAction(
    ctx.sandbox,
    'redirect-rp',
    `exports.onExecutePostLogin = async (event, api) => {
      if (event.client.client_id === ${JSON.stringify(ctx.rp.client_id)}) api.redirect.sendUserTo(${JSON.stringify(PAGE)});
    };
    exports.onContinuePostLogin = async () => {};`,
    {},
  );
  ctx.sandbox.store.actions.replaceBindings('post-login', [{ ref: { type: 'action_name', value: 'redirect-rp' } }]);
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
  spa = await discoverClient(ctx, ctx.spaClient.client_id);
});

afterAll(async () => {
  await ctx?.close();
});

const browser = (): Browser => new Browser(ctx.caFetch.fetch, ctx.sandbox.url);

async function authorization(config: client.Configuration, redirectUri: string, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { url: url.toString(), state };
}

function logIn(b: Browser, page: Visit, email: string): Promise<Visit> {
  return b.submit(page, '/u/login', { email, password: PASSWORD });
}

/** The callback's (or the Action page's) query. */
function query(visit: Visit): Record<string, string> {
  if (!visit.leftTo) throw new Error(`still on ${visit.url} (${visit.status}): ${visit.html.slice(0, 300)}`);
  return Object.fromEntries(new URL(visit.leftTo).searchParams);
}

function transactionCookies(b: Browser): string[] {
  return [...b.cookies.keys()].filter((name) => name.startsWith('auth0_txn_'));
}

describe('concurrent transactions in one browser', () => {
  test('two logins started side by side both finish, each with its own state', async () => {
    databaseUser(ctx.sandbox, 'tabs@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const first = await authorization(spa, SPA_CALLBACK);
    const second = await authorization(spa, SPA_CALLBACK);
    const firstPage = await b.visit(first.url);
    const secondPage = await b.visit(second.url);
    expect(query(await logIn(b, firstPage, 'tabs@example.com'))).toMatchObject({ state: first.state });
    expect(query(await logIn(b, secondPage, 'tabs@example.com'))).toMatchObject({ state: second.state });
  });

  test('a login started while another waits at an Action page; the waiting one then continues in the same browser, and in no other', async () => {
    databaseUser(ctx.sandbox, 'nested@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const outer = await authorization(rp, CALLBACK);
    const atPage = query(await logIn(b, await b.visit(outer.url), 'nested@example.com'));
    expect(atPage.state).toBeTruthy();

    // From the Action's page: a login with another application (prompt=login), in the same browser.
    const nested = await authorization(spa, SPA_CALLBACK, { prompt: 'login', max_age: '0' });
    const nestedDone = query(await logIn(b, await b.visit(nested.url), 'nested@example.com'));
    expect(nestedDone).toMatchObject({ state: nested.state });
    expect(nestedDone.code).toBeTruthy();

    // Another browser, given the Action page's state (it travels in URLs), cannot resume the login.
    const stranger = await browser().visit(`${ctx.sandbox.url}/continue`, { state: atPage.state ?? '' });
    expect(stranger.status).toBe(400);
    expect(stranger.html).toContain('started in another browser');

    const resumed = query(await b.visit(`${ctx.sandbox.url}/continue`, { state: atPage.state ?? '' }));
    expect(resumed).toMatchObject({ state: outer.state });
    expect(resumed.code).toBeTruthy();
  });

  test('the cookie is per transaction, SameSite=None; Secure; HttpOnly, expires with it, and holds a secret, not the state', async () => {
    const started = await authorization(spa, SPA_CALLBACK);
    const response = await ctx.caFetch.fetch(started.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    const state = new URL(response.headers.get('location') ?? '', ctx.sandbox.url).searchParams.get('state') ?? '';
    const [cookie, ...others] = response.headers.getSetCookie();
    expect(others).toEqual([]);
    const [pair = '', ...attributes] = (cookie ?? '').split(/;\s*/);
    expect(pair.startsWith(`auth0_txn_${state}=`)).toBe(true);
    expect(pair.slice(`auth0_txn_${state}=`.length)).not.toContain(state);
    expect(attributes).toEqual(
      expect.arrayContaining(['Path=/', 'HttpOnly', 'Secure', 'SameSite=None', expect.stringMatching(/^Expires=/)]),
    );
    const expires = Date.parse(attributes.find((a) => a.startsWith('Expires='))?.slice('Expires='.length) ?? '');
    expect(expires - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(60 * 60_000);

    // A cookie of that name holding the state (or anything but the secret) does not bind the browser.
    const forger = browser();
    const page = await forger.visit(started.url);
    forger.cookies.set(`auth0_txn_${new URL(page.url).searchParams.get('state') ?? ''}`, 'forged');
    const refused = await logIn(forger, page, 'tabs@example.com');
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Login expired');
  });

  test(`a browser holds at most ${MAX_BROWSER_TRANSACTIONS}: the next one drops finished ones, then the oldest`, async () => {
    databaseUser(ctx.sandbox, 'many@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const done = await b.visit((await authorization(spa, SPA_CALLBACK)).url);
    await logIn(b, done, 'many@example.com');
    const pages: Visit[] = [];
    // The finished one goes first; once the browser holds the most, the oldest open one.
    for (let i = 0; i <= MAX_BROWSER_TRANSACTIONS; i++)
      pages.push(await b.visit((await authorization(spa, SPA_CALLBACK, { prompt: 'login' })).url));
    expect(transactionCookies(b)).toHaveLength(MAX_BROWSER_TRANSACTIONS);
    const [oldest, next] = pages;
    if (!oldest || !next) throw new Error('no pages');
    const dropped = await logIn(b, oldest, 'many@example.com');
    expect(dropped.status).toBe(400);
    expect(dropped.html).toContain('Login expired');
    expect(query(await logIn(b, next, 'many@example.com')).code).toBeTruthy();
  });

  test('a transaction expires: its form is refused after its hour', async () => {
    const b = browser();
    const page = await b.visit((await authorization(spa, SPA_CALLBACK)).url);
    const transactions = new OidcStore(ctx.sandbox.store.db);
    const transaction = transactions.transaction(new URL(page.url).searchParams.get('state') ?? '');
    if (!transaction) throw new Error('no transaction stored');
    transactions.putTransaction({ ...transaction, expires_at: Date.now() - 1 });
    const expired = await logIn(b, page, 'tabs@example.com');
    expect(expired.status).toBe(400);
    expect(expired.html).toContain('Login expired');
  });
});
