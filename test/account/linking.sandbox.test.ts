import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { discoverClient, Browser, CALLBACK } from '../sandbox/oidc-fixtures';
import { startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The linking page against a real tenant (the sandbox, with the project's compiled Actions): a
// new Google identity is offered the database account with its email; the proof of control is a
// nested login with the account service's own client (openid-client, prompt=login, max_age=0),
// which the Actions leave alone (account_service), and `{link_to}` is signed only for the exact
// offered account.

let setup: LinkingSetup;
let rp: client.Configuration;

beforeAll(async () => {
  setup = await startLinkingSetup();
  const { ctx } = setup;
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
});

afterAll(async () => {
  await setup?.close();
});

const agent = (): Browser => new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);

/** The application's login with Google, up to the linking page. */
async function googleLoginToLinkingPage(b: Browser, email: string) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: CALLBACK,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    connection: 'google-oauth2',
  });
  const google = await b.visit(url.toString());
  const linking = await b.submit(google, '/u/social/google-oauth2', {
    email,
    name: 'Linking Person',
    email_verified: 'true',
  });
  return { verifier, state, linking };
}

describe('the linking page with a nested login', () => {
  test('proof of control: the offered account signs in, the identities are linked, the app gets the existing account', async () => {
    // No linking cooldown on it: were the nested login not exempt (account_service), it would be
    // offered the Google identity in turn and sent back to /link instead of the callback.
    const existing = databaseUser(setup.ctx.sandbox, 'linking@example.com', {
      app_metadata: { terms: returningMetadata().terms ?? null },
    });
    const b = agent();
    const { verifier, state, linking } = await googleLoginToLinkingPage(b, 'linking@example.com');
    expect(linking.url.startsWith(`${setup.accountUrl}/link?`)).toBe(true);
    expect(linking.status).toBe(200);
    expect(linking.html).not.toContain('linking@example.com');
    expect(linking.html).toContain('Your account with a password');

    // "Sign in and link" → the tenant's login page, for the offered account's connection.
    const login = await b.submit(linking, '/link', { answer: 'prove' });
    expect(login.url).toContain('/u/login');
    const answered = await b.submit(login, '/u/login', { email: 'linking@example.com', password: PASSWORD });
    expect(answered.url.startsWith(`${setup.accountUrl}/link/callback?`)).toBe(true);
    expect(answered.html).toContain('Accounts linked');

    // The answer goes to /continue; enforce-terms then asks the Google identity (this service's page).
    const terms = await b.submit(answered, `${setup.ctx.sandbox.url}/continue`, {});
    expect(terms.url.startsWith(`${setup.accountUrl}/terms?`)).toBe(true);
    const accepted = await b.submit(terms, '/terms', { answer: 'accept' });
    const done = await b.submit(accepted, `${setup.ctx.sandbox.url}/continue`, {});
    expect(done.leftTo?.startsWith(CALLBACK)).toBe(true);
    const tokens = await client.authorizationCodeGrant(rp, new URL(done.leftTo ?? ''), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.claims()?.sub).toBe(existing.user_id);
    const identities = setup.ctx.sandbox.store.users.require(existing.user_id).identities;
    expect(identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
  });

  test('a nested login that returns another account: refused, nothing signed or linked; the offered one then links', async () => {
    const offered = databaseUser(setup.ctx.sandbox, 'offered@example.com', { app_metadata: returningMetadata() });
    const other = databaseUser(setup.ctx.sandbox, 'someone-else@example.com', { app_metadata: returningMetadata() });
    const b = agent();
    const { linking } = await googleLoginToLinkingPage(b, 'offered@example.com');
    const login = await b.submit(linking, '/link', { answer: 'prove' });
    const refused = await b.submit(login, '/u/login', { email: 'someone-else@example.com', password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('another account than the one offered');
    expect(refused.html).not.toContain('/continue');
    expect(setup.ctx.sandbox.store.users.require(offered.user_id).identities).toHaveLength(1);
    expect(setup.ctx.sandbox.store.users.require(other.user_id).identities).toHaveLength(1);

    // The same callback again (a replay): no proof in progress any more.
    const replay = await b.visit(refused.url);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('Page out of date');

    // Back to the linking page, and this time the offered account.
    const back = /<a id="back" href="([^"]+)"/.exec(refused.html)?.[1]?.replace(/&amp;/g, '&');
    expect(back).toBeDefined();
    const again = await b.visit(new URL(back ?? '', setup.accountUrl).toString());
    expect(again.status).toBe(200);
    const login2 = await b.submit(again, '/link', { answer: 'prove' });
    const answered = await b.submit(login2, '/u/login', { email: 'offered@example.com', password: PASSWORD });
    expect(answered.html).toContain('Accounts linked');
    await b.submit(answered, `${setup.ctx.sandbox.url}/continue`, {});
    expect(setup.ctx.sandbox.store.users.require(offered.user_id).identities.map((i) => i.provider)).toEqual([
      'auth0',
      'google-oauth2',
    ]);
  });

  test("don't link: the decline reaches the Action, which records it", async () => {
    databaseUser(setup.ctx.sandbox, 'decliner@example.com', { app_metadata: returningMetadata() });
    const b = agent();
    const { linking } = await googleLoginToLinkingPage(b, 'decliner@example.com');
    const declined = await b.submit(linking, '/link', { answer: 'decline' });
    expect(declined.html).toContain('Accounts not linked');
    const terms = await b.submit(declined, `${setup.ctx.sandbox.url}/continue`, {});
    expect(terms.url.startsWith(`${setup.accountUrl}/terms?`)).toBe(true);
    const google = setup.ctx.sandbox.store.users
      .findByEmail('decliner@example.com')
      .find((user) => user.user_id.startsWith('google-oauth2|'));
    expect((google?.app_metadata as { account_linking?: { status?: string } }).account_linking?.status).toBe(
      'declined',
    );
  });
});
