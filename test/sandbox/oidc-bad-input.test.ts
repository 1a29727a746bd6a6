import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { OidcStore } from '../../local/sandbox/oidc';
import { PASSWORD, databaseUser, returningMetadata } from './login-fixtures';
import { Browser, CALLBACK, startOidcSandbox, type OidcSandbox } from './oidc-fixtures';

// Issue 10's bad input the other OIDC tests leave out: an authorization code exchanged after its
// lifetime gets an OAuth error and issues nothing.

const CODE_LIFETIME_MS = 10 * 60_000;

let ctx: OidcSandbox;
let rp: client.Configuration;

beforeAll(async () => {
  ctx = await startOidcSandbox();
  rp = await client.discovery(
    new URL(`${ctx.sandbox.url}/`),
    ctx.rp.client_id,
    undefined,
    client.ClientSecretBasic(ctx.rp.client_secret),
    { [client.customFetch]: ctx.caFetch.fetch },
  );
  rp[client.customFetch] = ctx.caFetch.fetch;
});

afterAll(async () => {
  await ctx?.close();
});

afterEach(() => {
  vi.useRealTimers();
});

interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorization(extra: Record<string, string> = {}): Promise<Started> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

function browser(): Browser {
  return new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
}

/** Moves the sandbox's clock (it runs in this process) without waiting, timers left alone. */
function clockAt(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: ms });
}

describe('an expired authorization code', () => {
  test('is invalid_grant after its lifetime, issues nothing, and is dead afterwards; within it, it works', async () => {
    const user = databaseUser(ctx.sandbox, 'late@example.com', { app_metadata: returningMetadata() });
    const oidc = new OidcStore(ctx.sandbox.store.db);
    const b = browser();

    const late = await authorization();
    const page = await b.visit(late.url.toString());
    const done = await b.submit(page, '/u/login', { email: 'late@example.com', password: PASSWORD });
    const callback = new URL(done.leftTo ?? '');
    const issuedAt = Date.now();
    const exchange = (started: Started, at: URL): ReturnType<typeof client.authorizationCodeGrant> =>
      client.authorizationCodeGrant(rp, at, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
      });

    clockAt(issuedAt + CODE_LIFETIME_MS + 1_000);
    await expect(exchange(late, callback)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'Invalid authorization code',
    });
    vi.useRealTimers();
    expect(oidc.refreshTokensOf(user.user_id)).toEqual([]);
    const failures = ctx.sandbox.store.logs.search({ filters: { type: 'feacft' }, ascending: false, offset: 0, limit: 1 });
    expect(failures.logs[0]).toMatchObject({ type: 'feacft', description: 'Invalid authorization code' });
    // Back within the lifetime the code stays spent.
    await expect(exchange(late, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(oidc.refreshTokensOf(user.user_id)).toEqual([]);

    // The SSO session answers a new authorization at once; its code still works a second before the end.
    const timely = await authorization();
    const answered = new URL((await b.visit(timely.url.toString())).leftTo ?? '');
    clockAt(Date.now() + CODE_LIFETIME_MS - 1_000);
    const tokens = await exchange(timely, answered);
    expect(tokens.claims()?.sub).toBe(user.user_id);
  });
});
