import { describe, expect, it } from 'vitest';
import { buildEvent, runLogin } from '../../local/runtime';
import { action, expectOutcome, login } from './helpers';

describe('pipeline: binding order, deny, exceptions, budget', () => {
  it('runs Actions in binding order and merges their claims', async () => {
    const result = await login([
      action('a', 'api.idToken.setCustomClaim("order", ["a"]);'),
      action('b', 'api.idToken.setCustomClaim("https://x.example/b", true);'),
    ]);
    expectOutcome(result, 'allowed');
    expect(result.executed.map((e) => e.action)).toEqual(['a', 'b']);
    expect(result.idTokenClaims).toEqual({ order: ['a'], 'https://x.example/b': true });
  });

  it('a deny in the first of three Actions lets it finish and skips the other two', async () => {
    const result = await login([
      action(
        'first',
        'api.access.deny("no_access"); api.idToken.setCustomClaim("after_deny", 1); api.user.setAppMetadata("seen", true);',
      ),
      action('second', 'api.idToken.setCustomClaim("second", 1);'),
      action('third', 'api.idToken.setCustomClaim("third", 1);'),
    ]);
    const denied = expectOutcome(result, 'denied');
    expect(denied.error).toBe('access_denied');
    expect(denied.reason).toBe('no_access');
    expect(result.executed.map((e) => e.action)).toEqual(['first']);
    expect(result.idTokenClaims).toEqual({ after_deny: 1 });
    // Side effects already requested are not rolled back.
    expect(result.appMetadataWrites).toEqual({ seen: true });
  });

  it('the first denial wins', async () => {
    const result = await login([action('a', 'api.access.deny("first"); api.access.deny("second");')]);
    expect(expectOutcome(result, 'denied').reason).toBe('first');
  });

  it('an uncaught exception ends as access_denied with its message, and later Actions are skipped', async () => {
    const result = await login([
      action('a', 'api.user.setAppMetadata("kept", 1);'),
      action('thrower', 'api.user.setAppMetadata("lost", 1); throw new Error("db password is hunter2");'),
      action('c', ''),
    ]);
    const denied = expectOutcome(result, 'denied');
    expect(denied).toMatchObject({ error: 'access_denied', reason: 'db password is hunter2' });
    expect(result.executed.map((e) => e.action)).toEqual(['a', 'thrower']);
    expect(result.user.app_metadata).toEqual({ kept: 1 });
  });

  it('enforces the time budget of the trigger', async () => {
    const result = await login([action('slow', 'await new Promise((r) => setTimeout(r, 200));')], {}, { budgetMs: 50 });
    expect(expectOutcome(result, 'denied').reason).toBe('Script execution time exceeded');
  });

  it('the budget is shared by all Actions of one phase', async () => {
    const wait = 'await new Promise((r) => setTimeout(r, 40));';
    const result = await login([action('a', wait), action('b', wait), action('c', wait)], {}, { budgetMs: 100 });
    expect(expectOutcome(result, 'denied').reason).toBe('Script execution time exceeded');
    expect(result.executed.map((e) => e.action)).toEqual(['a', 'b', 'c']);
  });

  it('each side of a redirect gets its own budget', async () => {
    const wait = 'await new Promise((r) => setTimeout(r, 60));';
    const result = await login(
      [
        action(
          'r',
          `${wait} api.redirect.sendUserTo("https://pages.example/x");`,
          `${wait} api.idToken.setCustomClaim("done", 1);`,
        ),
      ],
      {},
      { budgetMs: 100 },
    );
    const redirect = expectOutcome(result, 'redirect');
    const done = await redirect.continue({ query: { state: redirect.state } });
    expect(expectOutcome(done, 'allowed').idTokenClaims['done']).toBe(1);
  });

  it('fails a login whose custom claims exceed 100 KB per token', async () => {
    const result = await login([action('big', 'api.idToken.setCustomClaim("blob", "x".repeat(102400));')]);
    expect(expectOutcome(result, 'denied').reason).toMatch(/exceed 100 KB/);
    const ok = await login([action('fits', 'api.idToken.setCustomClaim("blob", "x".repeat(100000));')]);
    expectOutcome(ok, 'allowed');
  });

  it('keeps 256 characters of console output per Action', async () => {
    const result = await login([
      action('chatty', 'console.log("a".repeat(200)); console.log("b".repeat(200)); console.log("c");'),
      action('quiet', 'console.log("hello", {n: 1});'),
    ]);
    const chatty = result.logs
      .filter((l) => l.action === 'chatty')
      .map((l) => l.message)
      .join('');
    expect(chatty).toBe('a'.repeat(200) + 'b'.repeat(56));
    expect(result.logs.filter((l) => l.action === 'quiet')).toEqual([{ action: 'quiet', message: 'hello {"n":1}' }]);
  });

  it('gives each Action its own copy of the event', async () => {
    const result = await login([
      action('mutator', 'event.user.app_metadata.hacked = true; event.secrets.X = "y";'),
      action('reader', 'api.idToken.setCustomClaim("hacked", event.user.app_metadata.hacked === true);'),
    ]);
    expect(result.idTokenClaims['hacked']).toBe(false);
    expect(result.user.app_metadata).toEqual({});
  });
});

describe('metadata', () => {
  it('writes are visible to later Actions, not to the Action that made them, and persist at the end', async () => {
    const result = await login([
      action(
        'writer',
        'api.user.setAppMetadata("k", {v: 1}); api.idToken.setCustomClaim("self_sees", event.user.app_metadata.k ?? null);',
      ),
      action('reader', 'api.idToken.setCustomClaim("later_sees", event.user.app_metadata.k);'),
    ]);
    expect(result.idTokenClaims).toEqual({ self_sees: null, later_sees: { v: 1 } });
    expect(result.user.app_metadata).toEqual({ k: { v: 1 } });
    expect(result.appMetadataWrites).toEqual({ k: { v: 1 } });
  });

  it('null deletes a key; keys replace whole values', async () => {
    const event = buildEvent(
      {},
      { user: { app_metadata: { gone: 1, kept: 2 }, user_metadata: { obj: { a: 1, b: 2 } } } },
    );
    const result = await runLogin({
      event,
      actions: [action('w', 'api.user.setAppMetadata("gone", null); api.user.setUserMetadata("obj", {a: 9});')],
    });
    expect(result.user.app_metadata).toEqual({ kept: 2 });
    expect(result.user.user_metadata).toEqual({ obj: { a: 9 } });
    expect(result.appMetadataWrites).toEqual({ gone: null });
  });

  it('rejects field names with "." or "$", at any depth', async () => {
    for (const code of [
      'api.user.setAppMetadata("a.b", 1);',
      'api.user.setUserMetadata("$x", 1);',
      'api.user.setUserMetadata("ok", {nested: {"bad.key": 1}});',
    ]) {
      const result = await login([action('bad', code)]);
      expect(expectOutcome(result, 'denied').reason).toMatch(/Invalid metadata field name/);
    }
  });

  it('rejects reserved app_metadata names', async () => {
    for (const name of ['blocked', 'email', 'user_id', 'identities', 'clientID']) {
      const result = await login([action('reserved', `api.user.setAppMetadata(${JSON.stringify(name)}, 1);`)]);
      expect(expectOutcome(result, 'denied').reason).toBe(`"${name}" is a reserved app_metadata name`);
    }
    // Reserved names apply to app_metadata only.
    expectOutcome(await login([action('fine', 'api.user.setUserMetadata("email", "x");')]), 'allowed');
  });

  it('limits metadata writes to 32 kB per session and per kind', async () => {
    const over = await login([
      action('a', 'api.user.setUserMetadata("a", "x".repeat(20000));'),
      action('b', 'api.user.setUserMetadata("b", "x".repeat(13000));'),
    ]);
    expect(expectOutcome(over, 'denied').reason).toMatch(/user_metadata writes exceed 32 kB/);
    const fits = await login([
      action('a', 'api.user.setUserMetadata("a", "x".repeat(20000)); api.user.setAppMetadata("b", "x".repeat(20000));'),
    ]);
    expectOutcome(fits, 'allowed');
  });
});

describe('claims and scopes', () => {
  it('silently ignores restricted and Auth0-namespaced claims, allows standard profile claims', async () => {
    const result = await login([
      action(
        'claims',
        `
      for (const c of ["sub", "iss", "aud", "exp", "iat", "nonce", "azp", "amr", "acr", "auth_time", "sid", "org_id", "permissions", "roles", "groups", "client_id", "jti", "nbf", "cnf", "act"]) api.idToken.setCustomClaim(c, "x");
      api.idToken.setCustomClaim("https://tenant.auth0.com/x", 1);
      api.accessToken.setCustomClaim("https://api.webtask.io/y", 1);
      api.idToken.setCustomClaim("name", "Ada");
      api.idToken.setCustomClaim("locale", "fr");
      api.accessToken.setCustomClaim("https://example.com/tier", "gold");`,
      ),
    ]);
    expect(result.idTokenClaims).toEqual({ name: 'Ada', locale: 'fr' });
    expect(result.accessTokenClaims).toEqual({ 'https://example.com/tier': 'gold' });
  });

  it('throws on the scope claim', async () => {
    for (const token of ['idToken', 'accessToken']) {
      const result = await login([action('scope', `api.${token}.setCustomClaim("scope", "admin");`)]);
      expect(expectOutcome(result, 'denied').reason).toMatch(/Cannot set the "scope" claim/);
    }
  });

  it('adds and removes scopes, rejecting empty, spaced and over-long ones', async () => {
    const result = await login([
      action(
        's',
        'api.accessToken.addScope("read:a"); api.accessToken.addScope("read:b"); api.accessToken.removeScope("read:b"); api.accessToken.removeScope("write:c");',
      ),
    ]);
    expect(result.scopesAdded).toEqual(['read:a']);
    expect(result.scopesRemoved).toEqual(['read:b', 'write:c']);
    for (const bad of ['""', '"a b"', '"x".repeat(281)']) {
      expectOutcome(await login([action('bad', `api.accessToken.addScope(${bad});`)]), 'denied');
    }
  });
});

describe('transaction metadata, MFA and other recorded effects', () => {
  it('records transaction metadata, visible to later Actions, within Auth0 limits', async () => {
    const result = await login([
      action('a', 'api.transaction.setMetadata("risk", 3);'),
      action('b', 'api.idToken.setCustomClaim("risk", event.transaction.metadata.risk);'),
    ]);
    expect(result.transactionMetadata).toEqual({ risk: 3 });
    expect(result.idTokenClaims['risk']).toBe(3);
    for (const bad of ['"k".repeat(65), 1', '"k", {a: 1}', '"k", "v".repeat(8193)']) {
      expectOutcome(await login([action('bad', `api.transaction.setMetadata(${bad});`)]), 'denied');
    }
    const total = await login([
      action(
        'total',
        'api.transaction.setMetadata("a", "v".repeat(8000)); api.transaction.setMetadata("b", "v".repeat(8000)); api.transaction.setMetadata("c", "v".repeat(500));',
      ),
    ]);
    expect(expectOutcome(total, 'denied').reason).toMatch(/16 KB in total/);
  });

  it('records MFA, challenges and session calls', async () => {
    const result = await login([
      action(
        'mfa',
        'api.multifactor.enable("any", {allowRememberBrowser: true}); api.authentication.challengeWith({type: "otp"}); api.session.revoke("r");',
      ),
    ]);
    expect(result.multifactor).toEqual({ provider: 'any', allowRememberBrowser: true });
    expect(result.calls.map((c) => c.method)).toEqual(['authentication.challengeWith', 'session.revoke']);
  });

  it('recordMethod is only allowed in onContinuePostLogin', async () => {
    expect(
      expectOutcome(
        await login([action('rm', 'api.authentication.recordMethod("https://idp.example/mfa");')]),
        'denied',
      ).reason,
    ).toMatch(/only be called in onContinuePostLogin/);
    const redirect = expectOutcome(
      await login([
        action(
          'rm',
          'api.redirect.sendUserTo("https://p.example");',
          'api.authentication.recordMethod("https://idp.example/mfa");',
        ),
      ]),
      'redirect',
    );
    const done = expectOutcome(await redirect.continue({ query: { state: redirect.state } }), 'allowed');
    expect(done.calls).toEqual([
      { action: 'rm', method: 'authentication.recordMethod', args: ['https://idp.example/mfa'] },
    ]);
  });

  it('setPrimaryUser works once per transaction, checks the id, and discards user metadata of the same Action', async () => {
    const once = await login([
      action(
        'p',
        'api.user.setUserMetadata("dropped", 1); api.user.setAppMetadata("kept", 1); api.authentication.setPrimaryUser("auth0|primary"); api.user.setUserMetadata("dropped_too", 1);',
      ),
    ]);
    expect(expectOutcome(once, 'allowed').primaryUserId).toBe('auth0|primary');
    expect(once.userMetadataWrites).toEqual({});
    expect(once.appMetadataWrites).toEqual({ kept: 1 });

    const twice = await login([
      action('p1', 'api.authentication.setPrimaryUser("auth0|a");'),
      action('p2', 'api.authentication.setPrimaryUser("auth0|b");'),
    ]);
    expect(expectOutcome(twice, 'denied').reason).toBe('setPrimaryUser can only be called once per transaction');
    const long = await login([action('p', `api.authentication.setPrimaryUser("auth0|${'x'.repeat(130)}");`)]);
    expect(expectOutcome(long, 'denied').reason).toMatch(/at most 128 characters/);
  });

  it('prompt.render suspends like a redirect and resumes with event.prompt; one form per Action, never with a redirect', async () => {
    const form = expectOutcome(
      await login([
        action(
          'f',
          'api.prompt.render("ap_123", {vars: {a: 1}});',
          'api.idToken.setCustomClaim("answer", event.prompt.fields.answer);',
        ),
      ]),
      'form',
    );
    expect(form.formId).toBe('ap_123');
    expect(expectOutcome(await form.continue({ fields: { answer: 42 } }), 'allowed').idTokenClaims['answer']).toBe(42);

    const both = await login([
      action('f', 'api.prompt.render("ap_1"); api.redirect.sendUserTo("https://p.example");', ''),
    ]);
    expect(expectOutcome(both, 'denied').reason).toBe('Cannot redirect and render a form in the same Action');
    const reverse = await login([
      action('f', 'api.redirect.sendUserTo("https://p.example"); api.prompt.render("ap_1");', ''),
    ]);
    expect(expectOutcome(reverse, 'denied').reason).toBe('Cannot redirect and render a form in the same Action');
    const twice = await login([action('f', 'api.prompt.render("ap_1"); api.prompt.render("ap_2");', '')]);
    expect(expectOutcome(twice, 'denied').reason).toBe('Only one form can be rendered per Action');
  });
});
