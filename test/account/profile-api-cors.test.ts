import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREFLIGHT_MAX_AGE_SECONDS } from '../../account/api/cors';
import { ConfigError, readAccountConfig } from '../../account/config';
import { buildApp } from './helpers';

// CORS of the profile API for the Profile SPA's origins: exactly those, GET/PATCH with the
// Authorization and Content-Type headers, no credentials; nothing for another origin, and never on
// the HTML pages. In-process: the answers come before any token check or Management API call.

const SPA = 'https://account.acme.example';
const DEV_SPA = 'http://localhost:3001';
const OTHER = 'https://evil.example';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildApp({
    management: { domain: 'tenant.test', clientId: 'mgmt-id', clientSecret: 'mgmt-secret' },
    profileApiAudience: 'https://profile-api.acme.example',
    profileApiOrigins: [SPA, DEV_SPA],
  });
});

afterAll(async () => {
  await app?.close();
});

const preflight = (url: string, origin: string, method = 'PATCH') =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  });

const corsHeaders = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((name) => name.startsWith('access-control-'));

describe('the profile API’s CORS', () => {
  it.each([SPA, DEV_SPA])(
    'answers the preflight of %s: its origin, GET/PATCH, the two headers, no credentials',
    async (origin) => {
      const response = await preflight('/api/profile', origin);
      expect(response.statusCode).toBe(204);
      expect(response.headers).toMatchObject({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, PATCH',
        'access-control-allow-headers': 'Authorization, Content-Type',
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
      });
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(response.headers['vary']).toContain('Origin');
    },
  );

  it('puts the origin on the actual answers, errors included (the SPA reads them)', async () => {
    const get = await app.inject({ method: 'GET', url: '/api/profile', headers: { origin: SPA } });
    expect(get.statusCode).toBe(400);
    expect(get.headers['access-control-allow-origin']).toBe(SPA);
    expect(get.headers['access-control-allow-credentials']).toBeUndefined();
    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/profile',
      headers: { origin: DEV_SPA, authorization: 'Bearer not-a-jwt', 'content-type': 'application/json' },
      payload: { nickname: 'x' },
    });
    expect(patch.statusCode).toBe(401);
    expect(patch.headers['access-control-allow-origin']).toBe(DEV_SPA);
  });

  it('gives another origin nothing: no CORS header on the answer, its preflight not answered', async () => {
    for (const origin of [OTHER, 'https://account.acme.example.evil.example', 'http://account.acme.example', 'null']) {
      const refused = await preflight('/api/profile', origin);
      expect(refused.statusCode).toBe(404);
      expect(corsHeaders(refused.headers)).toEqual([]);
      const actual = await app.inject({ method: 'GET', url: '/api/profile', headers: { origin } });
      expect(corsHeaders(actual.headers)).toEqual([]);
    }
  });

  it('never answers CORS on the HTML pages, even to the SPA’s origin', async () => {
    for (const url of ['/terms', '/profile', '/link', '/healthz']) {
      const options = await preflight(url, SPA, 'POST');
      expect(corsHeaders(options.headers)).toEqual([]);
      const get = await app.inject({ method: 'GET', url, headers: { origin: SPA } });
      expect(corsHeaders(get.headers)).toEqual([]);
    }
  });

  it('without configured origins: same-origin callers only', async () => {
    const plain = await buildApp({
      management: { domain: 'tenant.test', clientId: 'mgmt-id', clientSecret: 'mgmt-secret' },
      profileApiAudience: 'https://profile-api.acme.example',
    });
    try {
      const refused = await plain.inject({
        method: 'OPTIONS',
        url: '/api/profile',
        headers: { origin: SPA, 'access-control-request-method': 'GET' },
      });
      expect(refused.statusCode).toBe(404);
      expect(corsHeaders(refused.headers)).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});

describe('readAccountConfig: ACCOUNT_PROFILE_API_ORIGINS', () => {
  const API = {
    AUTH0_DOMAIN: 'acme.eu.auth0.com',
    TERMS_SESSION_TOKEN_SECRET: 'x'.repeat(40),
    ACCOUNT_SESSION_KEYS: Buffer.alloc(32, 7).toString('base64'),
    ACCOUNT_MGMT_DOMAIN: 'acme.eu.auth0.com',
    ACCOUNT_MGMT_CLIENT_ID: 'id',
    ACCOUNT_MGMT_CLIENT_SECRET: 'secret',
    ACCOUNT_PROFILE_API_AUDIENCE: 'https://profile-api.acme.example',
  };
  const problems = (env: Record<string, string>): string[] => {
    try {
      readAccountConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('reads comma-separated origins, normalized and deduplicated; none when unset', () => {
    expect(
      readAccountConfig({
        ...API,
        ACCOUNT_PROFILE_API_ORIGINS:
          ' https://account.acme.example/ , http://localhost:3001,https://account.acme.example:443',
      }).profileApiOrigins,
    ).toEqual(['https://account.acme.example', 'http://localhost:3001']);
    expect(readAccountConfig(API).profileApiOrigins).toBeUndefined();
  });

  it.each([
    ['*'],
    ['https://account.acme.example/app'],
    ['http://account.acme.example'],
    ['account.acme.example'],
    ['https://user:pass@account.acme.example'],
    ['https://account.acme.example,'],
  ])('refuses %s, naming the entry, not the value', (value) => {
    const found = problems({ ...API, ACCOUNT_PROFILE_API_ORIGINS: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^ACCOUNT_PROFILE_API_ORIGINS: entry \d+ is not an origin/);
  });

  it('names every invalid entry at once, and needs the profile API', () => {
    expect(problems({ ...API, ACCOUNT_PROFILE_API_ORIGINS: 'https://ok.example,*,ftp://x.example' })).toEqual([
      'ACCOUNT_PROFILE_API_ORIGINS: entry 2, 3 is not an origin (https://host[:port], http only on loopback; no path, no *)',
    ]);
    const { ACCOUNT_PROFILE_API_AUDIENCE: _audience, ...withoutApi } = API;
    expect(problems({ ...withoutApi, ACCOUNT_PROFILE_API_ORIGINS: 'https://account.acme.example' })).toEqual([
      'ACCOUNT_PROFILE_API_ORIGINS needs ACCOUNT_PROFILE_API_AUDIENCE (they are the profile API’s callers)',
    ]);
  });
});
