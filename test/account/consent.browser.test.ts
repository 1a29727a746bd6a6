import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildEvent, loadActionFile, runLogin, type LoadedAction, type LoginResult } from '../../local/runtime';
import { buildApp, SECRET, TERMS_VERSION } from './helpers';

// The consent page in a real browser (Debian's Chromium, as in test/sandbox/pages.browser.test.ts):
// a stand-in tenant runs the compiled enforce-terms bundle on the local runtime, redirects to the
// account service, and its /continue answers like Auth0's, with a redirect to the application's
// callback on another origin. Everything is plain http on loopback (no certificate to trust).

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let account: FastifyInstance;
let tenant: FastifyInstance;
let browser: Browser;
let tenantOrigin = '';
let callbackOrigin = '';
const continued = new Map<
  string,
  (request: { method: 'POST'; body: Record<string, unknown> }) => Promise<LoginResult>
>();

const origin = (app: FastifyInstance, host: string): string =>
  `http://${host}:${(app.server.address() as AddressInfo).port}`;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  // The tenant listens first (the account service's CSP names its origin), the Action is loaded
  // once the account service listens (its TERMS_URL names the service's port).
  const loaded: { terms?: LoadedAction } = {};
  tenant = Fastify();
  await tenant.register(formbody);

  tenant.get<{ Querystring: { seed: string } }>('/authorize', async (request, reply) => {
    const terms = loaded.terms;
    if (!terms) throw new Error('not ready');
    const login = await runLogin({
      actions: [terms],
      event: buildEvent({ user: 'google', flow: 'interactive', seed: Number(request.query.seed) }),
    });
    if (login.outcome !== 'redirect') throw new Error(login.outcome);
    continued.set(login.state, (continueRequest) => login.continue(continueRequest));
    return reply.redirect(login.url);
  });
  tenant.post<{ Body: Record<string, unknown> }>('/continue', async (request, reply) => {
    const resume = continued.get(String(request.body.state));
    if (!resume) return reply.code(400).send('unknown state');
    const done = await resume({ method: 'POST', body: request.body });
    const result =
      done.outcome === 'denied'
        ? `denied:${done.reason}`
        : `${done.outcome}:${JSON.stringify(done.user.app_metadata['terms'] ?? null)}`;
    return reply.redirect(`${callbackOrigin}/callback?result=${encodeURIComponent(result)}`);
  });
  tenant.get<{ Querystring: { result: string } }>('/callback', async (request, reply) =>
    reply.type('text/plain').send(request.query.result),
  );
  await tenant.listen({ host: '127.0.0.1', port: 0 });
  tenantOrigin = origin(tenant, '127.0.0.1');
  // The application's callback: the same server under another host name, so another origin.
  callbackOrigin = origin(tenant, 'localhost');

  account = await buildApp({ tenantOrigin });
  await account.listen({ host: '127.0.0.1', port: 0 });
  loaded.terms = loadActionFile(join(__dirname, '..', '..', 'dist', 'actions', 'enforce-terms.js'), {
    name: 'enforce-terms',
    secrets: { TERMS_VERSION, TERMS_URL: `${origin(account, '127.0.0.1')}/terms`, SESSION_TOKEN_SECRET: SECRET },
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await account?.close();
  await tenant?.close();
});

async function withPage(run: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  // Anything the Content-Security-Policy refused, and script errors.
  const errors: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await run(page, errors);
  } finally {
    await context.close();
  }
}

describe('the consent page in headless Chromium', () => {
  test('accept: the answer posts itself to /continue, the login ends at the application with the acceptance recorded', async () => {
    await withPage(async (page, errors) => {
      await page.goto(`${tenantOrigin}/authorize?seed=1`);
      // Accept-Language from the browser's locale: French.
      await expect.poll(() => page.title()).toBe('Conditions générales');
      expect(await page.getAttribute('#terms', 'data-version')).toBe(TERMS_VERSION);
      await page.click('button[value=accept]');
      await page.waitForURL(/\/callback\?/);
      const result = await page.textContent('body');
      expect(result).toMatch(/^allowed:\{"version":"2026-01","accepted_at":"[^"]+"\}$/);
      expect(errors).toEqual([]);
    });
  }, 60_000);

  test('decline: the login is denied terms_declined', async () => {
    await withPage(async (page, errors) => {
      await page.goto(`${tenantOrigin}/authorize?seed=2`);
      await page.click('button[value=decline]');
      await page.waitForURL(/\/callback\?/);
      expect(await page.textContent('body')).toBe('denied:terms_declined');
      expect(errors).toEqual([]);
    });
  }, 60_000);

  test('without JavaScript the Continue button does the same', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(`${tenantOrigin}/authorize?seed=3`);
      await page.click('button[value=accept]');
      await page.waitForSelector('form#continue');
      await page.click('form#continue button');
      await page.waitForURL(/\/callback\?/);
      expect(await page.textContent('body')).toMatch(/^allowed:/);
    } finally {
      await context.close();
    }
  }, 60_000);
});
