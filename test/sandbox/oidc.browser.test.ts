import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OutboxEmail } from '../../local/sandbox/email';
import { statePaths } from '../../local/sandbox/state';
import { call } from './helpers';
import { PASSWORD, TERMS_VERSION } from './login-fixtures';
import { CALLBACK, startOidcSandbox, type OidcSandbox } from './oidc-fixtures';

// The whole browser journey in headless Chromium (Debian's, as in pages.browser.test.ts, with the
// sandbox's server key pinned instead of ignoring TLS errors): signup on the login pages →
// the terms page → the application's callback; the verification link from the outbox; then a
// Google login (simulated) with the same email → linking page → terms page → callback, and the
// code exchanged by openid-client. The pages' CSP must let their forms end at the callback.

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const EMAIL = 'chromium@example.com';

let ctx: OidcSandbox;
let browser: Browser;
let rp: client.Configuration;

function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  ctx = await startOidcSandbox();
  const options = { [client.customFetch]: ctx.caFetch.fetch };
  rp = await client.discovery(
    new URL(`${ctx.sandbox.url}/`),
    ctx.rp.client_id,
    undefined,
    client.ClientSecretBasic(ctx.rp.client_secret),
    options,
  );
  rp[client.customFetch] = ctx.caFetch.fetch;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spkiHash(readFileSync(statePaths(ctx.sandbox.stateDir).serverCert, 'utf8'))}`,
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

interface Started {
  url: string;
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
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url: url.toString(), verifier, state, nonce };
}

/** The application: its callback answers with a page, and the URL it was called with is kept. */
async function application(page: Page): Promise<() => string | undefined> {
  let reached: string | undefined;
  await page.route(`${new URL(CALLBACK).origin}/**`, (route) => {
    reached = route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Application</title>' });
  });
  return () => reached;
}

describe('a browser journey through the OIDC provider', () => {
  test('signup → terms → callback; verification link; Google login with the same email → linking → terms → callback', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const callback = await application(page);
    try {
      // Signup: the login page's link to the signup page, then the terms page.
      const signup = await authorization();
      await page.goto(signup.url);
      await expect.poll(() => page.title()).toBe('Log in');
      await page.click('a:text-is("Sign up")');
      await expect.poll(() => page.title()).toBe('Sign up');
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', 'weak');
      await page.click('button:text-is("Continue")');
      await expect.poll(() => page.textContent('[role=alert]')).toContain('Password is too weak');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await page.waitForURL(/\/pages\/terms\?/);
      expect(await page.textContent('strong')).toBe(TERMS_VERSION);
      await page.click('button[value=accept]');
      await expect.poll(callback, { timeout: 10_000 }).toMatch(/^https:\/\/rp\.example\.com\/callback\?code=/);
      const first = await client.authorizationCodeGrant(rp, new URL(callback() ?? ''), {
        pkceCodeVerifier: signup.verifier,
        expectedState: signup.state,
        expectedNonce: signup.nonce,
      });
      const userId = first.claims()?.sub ?? '';
      expect(first.claims()).toMatchObject({ email: EMAIL, email_verified: false });

      // The verification email, read through the outbox's JSON API, opened in the browser.
      const outbox = await call<OutboxEmail[]>(
        ctx.sandbox,
        'GET',
        `/sandbox/outbox.json?to=${encodeURIComponent(EMAIL)}`,
        { token: ctx.token },
      );
      const verification = outbox.body.find((email) => email.template === 'verify_email');
      await page.goto(verification?.url ?? 'about:blank');
      expect(ctx.sandbox.store.users.require(userId).email_verified).toBe(true);

      // A Google account with the same verified email: offered to link to the database account
      // (prompt=login: the SSO session from the signup would answer at once otherwise).
      const google = await authorization({ connection: 'google-oauth2', prompt: 'login' });
      await page.goto(google.url);
      await expect.poll(() => page.title()).toBe('Sign in with google-oauth2');
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=name]', 'Chromium User');
      await page.click('button:text-is("Continue")');
      await page.waitForURL(/\/pages\/link\?/);
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Sign in and link")');
      await page.waitForURL(/\/pages\/terms\?/);
      await page.click('button[value=accept]');
      await expect.poll(callback, { timeout: 10_000 }).toMatch(new RegExp(`state=${google.state}`));
      const second = await client.authorizationCodeGrant(rp, new URL(callback() ?? ''), {
        pkceCodeVerifier: google.verifier,
        expectedState: google.state,
        expectedNonce: google.nonce,
      });
      expect(second.claims()?.sub).toBe(userId);
      expect(ctx.sandbox.store.users.require(userId).identities.map((identity) => identity.provider)).toEqual([
        'auth0',
        'google-oauth2',
      ]);
      // The pages' own script and style ran (the auto-submits) and nothing was refused by their CSP.
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
