import { afterAll, beforeAll, expect, test } from 'vitest';
import { benchLocalAuth0 } from '../../tooling/bench/local-auth0';
import { PASSWORD, databaseUser, returningMetadata } from './login-fixtures';
import { startOidcSandbox, type OidcSandbox } from './oidc-fixtures';

// The local-Auth0 bench runs end to end with small counts (npm run bench uses larger ones).

let ctx: OidcSandbox;

beforeAll(async () => {
  ctx = await startOidcSandbox();
});

afterAll(async () => {
  await ctx?.close();
});

test('code flows in sequence and at once, without errors, and each email template rendered', async () => {
  databaseUser(ctx.sandbox, 'bench@example.com', { app_metadata: returningMetadata() });
  ctx.sandbox.store.emailTemplates.create({
    template: 'welcome_email',
    from: 'shop@example.com',
    subject: 'Welcome {{ user.email }}',
    body: '<p>Hello {{ user.name | escape }}</p>',
    syntax: 'liquid',
    enabled: true,
  });
  for (const rp of [ctx.rp, ctx.spaClient]) {
    const figures = await benchLocalAuth0({
      sandbox: ctx.sandbox,
      clientId: rp.client_id,
      email: 'bench@example.com',
      password: PASSWORD,
      runs: 3,
      concurrentLogins: 5,
      emailRenderIterations: 5,
    });
    expect(figures.codeFlow).toMatchObject({ runs: 3, errors: 0 });
    expect(figures.codeFlow.p50Ms).toBeGreaterThan(0);
    expect(figures.codeFlow.p99Ms).toBeGreaterThanOrEqual(figures.codeFlow.p50Ms);
    expect(figures.concurrentLogins).toMatchObject({ runs: 5, errors: 0, firstErrors: [] });
    expect(figures.concurrentLogins.wallMs).toBeGreaterThan(0);
    expect(figures.emailRender.map((row) => row.template)).toEqual(['welcome_email']);
  }
});

test('a tenant where the login fails stops the bench at its warm-up, saying where', async () => {
  const user = databaseUser(ctx.sandbox, 'bench-blocked@example.com', {
    app_metadata: returningMetadata(),
    blocked: true,
  });
  await expect(
    benchLocalAuth0({
      sandbox: ctx.sandbox,
      clientId: ctx.rp.client_id,
      email: user.email!,
      password: PASSWORD,
      runs: 1,
      concurrentLogins: 1,
    }),
  ).rejects.toThrow('POST /u/login answered 401, not a redirect');
  await expect(
    benchLocalAuth0({
      sandbox: ctx.sandbox,
      clientId: 'no-such-client',
      email: user.email!,
      password: PASSWORD,
      runs: 1,
      concurrentLogins: 1,
    }),
  ).rejects.toThrow('client no-such-client does not exist or has no callback URL');
});
