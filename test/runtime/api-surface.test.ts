import { describe, expect, it } from 'vitest';
import { buildEvent, createCacheStore, runLogin } from '../../local/runtime';
import { action, expectOutcome, login } from './helpers';

/**
 * The event's always-present fields and the api's return values, as Auth0 documents them:
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-api-object
 */

describe('the event', () => {
  it("runs Auth0's step-up template, which reads transaction.acr_values unguarded", async () => {
    const stepUp = action(
      'step-up',
      `
      if (event.transaction && event.transaction.acr_values.includes('http://schemas.openid.net/pape/policies/2007/06/multi-factor')) {
        api.multifactor.enable('any');
      }`,
    );
    for (const flow of ['interactive', 'refresh-token', 'prompt-none', 'password'] as const) {
      const result = await login([stepUp], { flow });
      expectOutcome(result, 'allowed');
      expect(result.multifactor).toBeUndefined();
    }
    const asked = buildEvent(
      {},
      { transaction: { acr_values: ['http://schemas.openid.net/pape/policies/2007/06/multi-factor'] } },
    );
    expect((await runLogin({ actions: [stepUp], event: asked })).multifactor).toEqual({ provider: 'any' });
  });

  it('carries the arrays Auth0 always sends, and a transaction id on browser flows only', () => {
    for (const flow of ['interactive', 'refresh-token', 'prompt-none', 'password'] as const) {
      const { transaction, user, connection } = buildEvent({ flow });
      expect(transaction).toMatchObject({
        acr_values: [],
        ui_locales: [],
        requested_scopes: expect.any(Array),
        metadata: {},
      });
      expect(transaction?.id !== undefined).toBe(flow === 'interactive' || flow === 'prompt-none');
      expect(user).toMatchObject({ multifactor: [], enrolledFactors: [] });
      expect(connection.metadata).toEqual({});
    }
  });

  it('describes a refresh token as Auth0 does, with its creation time', () => {
    const { refresh_token: token, client } = buildEvent({ flow: 'refresh-token' });
    expect(token).toMatchObject({
      id: expect.stringMatching(/^rt_/),
      client_id: client.client_id,
      created_at: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(token?.created_at ?? ''))).toBe(false);
  });
});

describe('the api', () => {
  it('returns nothing where Auth0 returns nothing, so chaining fails locally as it does on Auth0', async () => {
    const calls = [
      'api.accessToken.addScope("read:a")',
      'api.accessToken.removeScope("read:a")',
      'api.transaction.setMetadata("k", 1)',
      'api.session.setExpiresAt(Date.now() + 1000)',
      'api.session.setIdleExpiresAt(Date.now() + 1000)',
      'api.session.setCookieMode("non-persistent")',
      'api.session.setMetadata("k", "v")',
      'api.session.deleteMetadata("k")',
      'api.session.evictMetadata()',
      'api.session.revoke("r")',
      'api.refreshToken.setExpiresAt(Date.now() + 1000)',
      'api.refreshToken.setIdleExpiresAt(Date.now() + 1000)',
      'api.refreshToken.setMetadata("k", "v")',
      'api.refreshToken.deleteMetadata("k")',
      'api.refreshToken.evictMetadata()',
      'api.refreshToken.revoke("r")',
      'api.samlResponse.setAttribute("role", "admin")',
      'api.samlResponse.setSignResponse(true)',
      'api.samlResponse.setLifetimeInSeconds(600)',
      'api.authentication.setPrimaryUser("auth0|other")',
      'api.prompt.render("form")',
    ];
    const probe = action(
      'probe',
      `const kinds = {}; ${calls.map((call) => `kinds[${JSON.stringify(call)}] = typeof (${call});`).join(' ')} api.idToken.setCustomClaim('kinds', kinds);`,
    );
    const result = await login([probe]);
    expect(result.idTokenClaims.kinds).toEqual(Object.fromEntries(calls.map((call) => [call, 'undefined'])));
  });

  it('still chains where Auth0 returns the api', async () => {
    const chained = action(
      'chained',
      `
      api.idToken.setCustomClaim('a', 1).accessToken.setCustomClaim('b', 2).user.setAppMetadata('c', 3).user.setUserMetadata('d', 4)
        .multifactor.enable('any').validation.error('e', 'm').access.deny('done');`,
    );
    const result = await login([chained]);
    expect(expectOutcome(result, 'denied').reason).toBe('done');
    expect(result).toMatchObject({
      idTokenClaims: { a: 1 },
      accessTokenClaims: { b: 2 },
      appMetadataWrites: { c: 3 },
      userMetadataWrites: { d: 4 },
    });
  });

  it('has every documented samlResponse setter and session.setCookieMode, recorded and checked', async () => {
    const setters = `
      const s = api.samlResponse;
      s.setAudience('urn:sp'); s.setIssuer('urn:idp'); s.setRecipient('https://sp.example/acs'); s.setDestination('https://sp.example/acs');
      s.setRelayState('rs'); s.setLifetimeInSeconds(3600); s.setNameIdentifierFormat('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      s.setNameIdentifierProbes(['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress']); s.setAuthnContextClassRef('urn:ctx');
      s.setCreateUpnClaim(false); s.setPassthroughClaimsWithNoMapping(false); s.setMapUnknownClaimsAsIs(true); s.setMapIdentities(false);
      s.setSignResponse(true); s.setIncludeAttributeNameFormat(false); s.setTypedAttributes(false); s.setSignatureAlgorithm('rsa-sha256');
      s.setDigestAlgorithm('sha256'); s.setEncryptionAlgorithm('aes256-gcm'); s.setSigningCert('pem'); s.setEncryptionCert('pem');
      s.setEncryptionPublicKey('pem'); s.setCert('pem'); s.setKey('pem'); s.setAttribute('groups', ['a', 'b']); s.setAttribute('groups', null);
      api.session.setCookieMode('persistent');`;
    const result = await login([action('saml', setters)]);
    expectOutcome(result, 'allowed');
    expect(result.calls.map((c) => c.method)).toHaveLength(27);
    expect(result.calls.at(-1)).toMatchObject({ method: 'session.setCookieMode', args: ['persistent'] });
    for (const bad of [
      'api.session.setCookieMode("forever")',
      'api.samlResponse.setSignResponse("yes")',
      'api.samlResponse.setSignatureAlgorithm("md5")',
      'api.samlResponse.setLifetimeInSeconds(-1)',
      'api.samlResponse.setAttribute("a", {b: 1})',
    ]) {
      expectOutcome(await login([action('bad', `${bad};`)]), 'denied');
    }
  });

  it("transaction.setMetadata(key, null) removes the key, and the Action's own event shows it at once", async () => {
    const result = await login([
      action('a', 'api.transaction.setMetadata("risk", 3); api.transaction.setMetadata("keep", true);'),
      action(
        'b',
        'api.transaction.setMetadata("risk", null); api.idToken.setCustomClaim("seen", Object.keys(event.transaction.metadata));',
      ),
    ]);
    expect(result.transactionMetadata).toEqual({ keep: true });
    expect(result.idTokenClaims.seen).toEqual(['keep']);
  });

  it('cache.delete answers success without a record', () => {
    const cache = createCacheStore();
    cache.set('k', 'v');
    expect(cache.delete('k')).toEqual({ type: 'success' });
    expect(cache.delete('absent')).toEqual({ type: 'success' });
  });
});
