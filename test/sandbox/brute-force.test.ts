import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import * as client from 'openid-client';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { cliEnv, startUsers } from '../users/helpers';
import { allowlisted } from '../../local/sandbox/login/brute-force';
import { call } from './helpers';
import { PASSWORD, databaseUser, login, returningMetadata } from './login-fixtures';
import { Browser, CALLBACK, startOidcSandbox, type OidcSandbox, type Visit } from './oidc-fixtures';

// Brute-force protection as tenant.yaml configures it (attackProtection.bruteForceProtection),
// through the OIDC login page: the block shows as a user block, is logged as limit_wc, mails
// blocked_account, and `npm run users -- unblock-brute-force` lifts it.

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
  // The users CLI (the auth0 SDK, on the global fetch) in this process trusts the sandbox's CA.
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, readFileSync(ctx.sandbox.caPath, 'utf8')] } }));
});

afterAll(async () => {
  await ctx?.close();
});

beforeEach(() => {
  ctx.sandbox.store.tenant.updateAttackProtection('brute-force-protection', {
    enabled: true,
    shields: ['block', 'user_notification'],
    mode: 'count_per_identifier_and_ip',
    max_attempts: 3,
    allowlist: [],
  });
});

/** The login page of a fresh authorization in a fresh browser. */
async function loginPage(): Promise<{ browser: Browser; page: Visit }> {
  const browser = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    state: 's',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  return { browser, page: await browser.visit(url.toString()) };
}

async function signIn(email: string, password: string): Promise<Visit> {
  const { browser, page } = await loginPage();
  return browser.submit(page, '/u/login', { email, password });
}

const api = <T = unknown>(method: string, path: string) =>
  call<T>(ctx.sandbox, method, `/api/v2${path}`, { token: ctx.token });

describe('brute-force protection on the login page', () => {
  test('max_attempts failures block the identifier from that IP: a user block, limit_wc, blocked_account; unblock-brute-force lifts it', async () => {
    const user = databaseUser(ctx.sandbox, 'attacked@example.com', { app_metadata: returningMetadata() });
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await signIn('attacked@example.com', 'wrong-password');
      expect(refused.status).toBe(401);
      expect(refused.html).toContain('Wrong email or password.');
    }
    const blocked = await signIn('attacked@example.com', PASSWORD);
    expect(blocked.leftTo).toBeUndefined();
    expect(blocked.html).toContain('Your account has been blocked after multiple consecutive login attempts.');

    const id = encodeURIComponent(user.user_id);
    const expected = {
      blocked_for: [{ identifier: 'attacked@example.com', ip: '127.0.0.1', connection: 'customers' }],
    };
    expect((await api(`GET`, `/user-blocks/${id}`)).body).toMatchObject(expected);
    expect(
      (await api('GET', `/user-blocks?identifier=${encodeURIComponent('Attacked@example.com')}`)).body,
    ).toMatchObject(expected);
    const limits = await api<{ type: string; user_id?: string }[]>(
      'GET',
      `/logs?q=${encodeURIComponent(`type:limit_wc user_id:"${user.user_id}"`)}`,
    );
    expect(limits.body.length).toBeGreaterThanOrEqual(2); // the block, then the refused login
    const mails = await call<{ template: string }[]>(
      ctx.sandbox,
      'GET',
      `/sandbox/outbox.json?to=${encodeURIComponent('attacked@example.com')}`,
      { token: ctx.token },
    );
    expect(mails.body.map((mail) => mail.template)).toEqual(['blocked_account']);

    const cli = await startUsers(['unblock-brute-force', 'attacked@example.com'], cliEnv(ctx.sandbox)).result;
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(`cleared 1 brute-force block(s) of ${user.user_id}: 127.0.0.1\n`);
    expect((await api('GET', `/user-blocks/${id}`)).body).toEqual({ blocked_for: [] });
    expect((await signIn('attacked@example.com', PASSWORD)).leftTo?.startsWith(`${CALLBACK}?code=`)).toBe(true);
  });

  test('count_per_identifier blocks the identifier from every IP; count_per_identifier_and_ip only from the failing one', async () => {
    databaseUser(ctx.sandbox, 'per-ip@example.com', { app_metadata: returningMetadata() });
    databaseUser(ctx.sandbox, 'per-identifier@example.com', { app_metadata: returningMetadata() });
    const attempt = (email: string, password: string, ip: string) =>
      login(ctx, { client: ctx.rp.client_id, connection: 'customers', flow: 'interactive', email, password, ip });

    for (let n = 0; n < 3; n++) await attempt('per-ip@example.com', 'wrong', '203.0.113.1');
    expect(await attempt('per-ip@example.com', PASSWORD, '203.0.113.1')).toMatchObject({
      outcome: 'denied',
      error: 'too_many_attempts',
    });
    expect(await attempt('per-ip@example.com', PASSWORD, '203.0.113.2')).toMatchObject({ outcome: 'allowed' });

    ctx.sandbox.store.tenant.updateAttackProtection('brute-force-protection', { mode: 'count_per_identifier' });
    for (let n = 0; n < 3; n++) await attempt('per-identifier@example.com', 'wrong', `198.51.100.${n}`);
    expect(await attempt('per-identifier@example.com', PASSWORD, '192.0.2.77')).toMatchObject({
      outcome: 'denied',
      error: 'too_many_attempts',
    });
  });

  test('without the block shield nothing is blocked (the email still goes); an allowlisted IP is never counted', async () => {
    databaseUser(ctx.sandbox, 'notified@example.com', { app_metadata: returningMetadata() });
    ctx.sandbox.store.tenant.updateAttackProtection('brute-force-protection', { shields: ['user_notification'] });
    for (let n = 0; n < 4; n++) await signIn('notified@example.com', 'wrong-password');
    expect((await signIn('notified@example.com', PASSWORD)).leftTo).toBeDefined();
    const mails = await call<{ template: string }[]>(
      ctx.sandbox,
      'GET',
      `/sandbox/outbox.json?to=${encodeURIComponent('notified@example.com')}`,
      { token: ctx.token },
    );
    expect(mails.body.map((mail) => mail.template)).toEqual(['blocked_account']);

    const user = databaseUser(ctx.sandbox, 'allowlisted@example.com', { app_metadata: returningMetadata() });
    ctx.sandbox.store.tenant.updateAttackProtection('brute-force-protection', {
      shields: ['block'],
      allowlist: ['127.0.0.0/8'],
    });
    for (let n = 0; n < 4; n++) await signIn('allowlisted@example.com', 'wrong-password');
    expect((await signIn('allowlisted@example.com', PASSWORD)).leftTo).toBeDefined();
    expect((await api('GET', `/user-blocks/${encodeURIComponent(user.user_id)}`)).body).toEqual({ blocked_for: [] });
  });
});

describe('allowlisted', () => {
  test('addresses and CIDR ranges, IPv4 and IPv6; malformed entries allow nothing', () => {
    expect(allowlisted(['10.0.0.0/8'], '10.1.2.3')).toBe(true);
    expect(allowlisted(['10.0.0.0/8'], '11.1.2.3')).toBe(false);
    expect(allowlisted(['192.0.2.7'], '192.0.2.7')).toBe(true);
    expect(allowlisted(['2001:db8::/32'], '2001:db8::1')).toBe(true);
    expect(allowlisted(['10.0.0.0/abc', 'not-an-ip', '10.0.0.0/33'], '10.0.0.1')).toBe(false);
    expect(allowlisted([], '10.0.0.1')).toBe(false);
  });
});
