import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent, loadActionFile, runLogin, type LoadedAction, type LoginResult } from '../../local/runtime';
import { answer, buildApp, CONTINUE_URL, field, openTerms, SECRET, TERMS_VERSION, type OpenedPage } from './helpers';

// End to end: the compiled enforce-terms bundle on the local runtime sends the login to the
// consent page, and the page's signed answer is what the browser posts back to /continue.

const TERMS_URL = 'https://account.test/terms';

let terms: LoadedAction;
let app: FastifyInstance;
beforeAll(async () => {
  terms = loadActionFile(join(__dirname, '..', '..', 'dist', 'actions', 'enforce-terms.js'), {
    name: 'enforce-terms',
    secrets: { TERMS_VERSION, TERMS_URL, SESSION_TOKEN_SECRET: SECRET },
  });
  app = await buildApp();
});
afterAll(async () => {
  await app?.close();
});

type Redirect = Extract<LoginResult, { outcome: 'redirect' }>;

async function startLogin(seed: number): Promise<Redirect> {
  const result = await runLogin({ actions: [terms], event: buildEvent({ user: 'google', flow: 'interactive', seed }) });
  if (result.outcome !== 'redirect') throw new Error(`expected a redirect, got ${result.outcome}`);
  return result;
}

/** The browser follows the redirect: the page gets exactly the query Auth0 built. */
async function followRedirect(login: Redirect): Promise<OpenedPage> {
  const url = new URL(login.url);
  expect(`${url.origin}${url.pathname}`).toBe(TERMS_URL);
  return openTerms(app, Object.fromEntries(url.searchParams));
}

/** What the continue page's auto-posted form carries to /continue. */
function continueForm(body: string): Record<string, string> {
  expect(body).toContain(`action="${CONTINUE_URL}"`);
  return { state: field(body, 'state') ?? '', session_token: field(body, 'session_token') ?? '' };
}

describe('consent page ↔ enforce-terms on the local runtime', () => {
  it('accepted: the login is allowed and the acceptance recorded in app_metadata', async () => {
    const login = await startLogin(1);
    const page = await followRedirect(login);
    const response = await answer(app, page, {
      session_token: field(page.response.body, 'session_token') ?? '',
      state: login.state,
      answer: 'accept',
    });
    const done = await login.continue({ method: 'POST', body: continueForm(response.body) });
    expect(done.outcome).toBe('allowed');
    const { version, accepted_at: acceptedAt } = done.user.app_metadata['terms'] as Record<string, unknown>;
    expect(version).toBe(TERMS_VERSION);
    expect(Date.parse(String(acceptedAt))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('declined: the login is denied terms_declined, nothing recorded', async () => {
    const login = await startLogin(2);
    const page = await followRedirect(login);
    const response = await answer(app, page, {
      session_token: field(page.response.body, 'session_token') ?? '',
      state: login.state,
      answer: 'decline',
    });
    const done = await login.continue({ method: 'POST', body: continueForm(response.body) });
    expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_declined' });
    expect(done.user.app_metadata['terms']).toBeUndefined();
  });

  it('an answer replayed on another login is refused by the Action (it is bound to its state)', async () => {
    const first = await startLogin(3);
    const page = await followRedirect(first);
    const response = await answer(app, page, {
      session_token: field(page.response.body, 'session_token') ?? '',
      state: first.state,
      answer: 'accept',
    });
    const signed = continueForm(response.body);
    const second = await startLogin(3); // the same user, another login
    const replayed = await second.continue({ method: 'POST', body: { ...signed, state: second.state } });
    expect(replayed).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
  });

  it("the Action's version is the one shown and signed (a newer TERMS_VERSION with content missing: error page)", async () => {
    const newer = loadActionFile(join(__dirname, '..', '..', 'dist', 'actions', 'enforce-terms.js'), {
      name: 'enforce-terms',
      secrets: { TERMS_VERSION: '2027-01', TERMS_URL, SESSION_TOKEN_SECRET: SECRET },
    });
    const login = await runLogin({
      actions: [newer],
      event: buildEvent({ user: 'google', flow: 'interactive', seed: 4 }),
    });
    if (login.outcome !== 'redirect') throw new Error(login.outcome);
    const response = await app.inject({ method: 'GET', url: `/terms${new URL(login.url).search}` });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('data-error="unavailable"');
    expect(response.body).not.toContain('<form');
  });
});
