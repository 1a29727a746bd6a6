import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAccessToken, type AccessTokenPolicy } from '../../account/api/access-token';

// The profile API's bearer tokens, against a local JWKS: only an RS256 access token from the
// tenant, for the profile API, unexpired, with the route's scope, is accepted.

const ISSUER = 'https://acme.eu.auth0.com/';
const AUDIENCE = 'https://profile-api.acme.example';
const SUB = 'auth0|64f0c0ffee0000000000aaaa';
const NOW = Date.UTC(2026, 5, 1);

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let policy: AccessTokenPolicy;
let privateKey: SigningKey;
let otherKey: SigningKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  policy = { issuer: ISSUER, audience: AUDIENCE, keys: createLocalJWKSet({ keys: [jwk] }) };
});

function token(
  claims: Record<string, unknown> = {},
  options: { key?: SigningKey; exp?: number; iss?: string; aud?: string | string[] } = {},
): Promise<string> {
  return new SignJWT({ scope: 'openid read:profile update:profile', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? [AUDIENCE, `${ISSUER}userinfo`])
    .setSubject(SUB)
    .setIssuedAt(Math.floor(NOW / 1000) - 60)
    .setExpirationTime(options.exp ?? Math.floor(NOW / 1000) + 600)
    .sign(options.key ?? privateKey);
}

const bearer = async (value: Promise<string>): Promise<string> => `Bearer ${await value}`;

describe('verifyAccessToken', () => {
  it('accepts the tenant’s token for the profile API with the scope, and gives its sub and scopes', async () => {
    expect(await verifyAccessToken(await bearer(token()), 'update:profile', policy, NOW)).toEqual({
      ok: true,
      sub: SUB,
      scopes: ['openid', 'read:profile', 'update:profile'],
    });
  });

  it.each([
    ['another audience', () => token({}, { aud: 'https://shop-api.acme.example' }), 'invalid_token'],
    ['another issuer', () => token({}, { iss: 'https://evil.example/' }), 'invalid_token'],
    ['another key', () => token({}, { key: otherKey }), 'invalid_token'],
    ['expired', () => token({}, { exp: Math.floor(NOW / 1000) - 1 }), 'invalid_token'],
    ['without the scope', () => token({ scope: 'openid read:profile' }), 'insufficient_scope'],
    ['without any scope', () => token({ scope: undefined }), 'insufficient_scope'],
  ])('refuses a token for %s', async (_name, make, error) => {
    expect(await verifyAccessToken(await bearer(make()), 'update:profile', policy, NOW)).toEqual({ ok: false, error });
  });

  it('refuses an HS256 token signed with the public key (algorithm confusion) and alg none', async () => {
    const [header = '', payload = ''] = (await token()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'k1' })).toString('base64url')}.${payload}.${header}`;
    for (const forged of [none, hs]) {
      expect(await verifyAccessToken(`Bearer ${forged}`, 'read:profile', policy, NOW)).toMatchObject({ ok: false });
    }
  });

  it.each([undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', `Bearer ${'a'.repeat(9000)}`])(
    'a missing or malformed Authorization header (%s): invalid_request',
    async (header) => {
      expect(await verifyAccessToken(header, 'read:profile', policy, NOW)).toEqual({
        ok: false,
        error: 'invalid_request',
      });
    },
  );
});
