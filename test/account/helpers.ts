import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AccountConfig } from '../../account/config';
import { buildAccountApp } from '../../account/server';

export const TENANT_ORIGIN = 'https://tenant.test';
export const CONTINUE_URL = `${TENANT_ORIGIN}/continue`;
export const SECRET = 'a-terms-session-token-secret-of-32-bytes!';
export const TERMS_VERSION = '2026-01';
export const CONTENT_DIR = join(__dirname, '..', '..', 'account', 'terms', 'content');

export function accountConfig(overrides: Partial<AccountConfig> = {}): AccountConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    tenantOrigin: TENANT_ORIGIN,
    termsSessionSecret: SECRET,
    sessionKeys: [randomBytes(32)],
    trustProxy: false,
    termsContentDir: CONTENT_DIR,
    ...overrides,
  };
}

export function buildApp(overrides: Partial<AccountConfig> = {}, now?: () => number): Promise<FastifyInstance> {
  return buildAccountApp(accountConfig(overrides), { now });
}

/** The value of a hidden field of the page's form, unescaped as a browser would. */
export function field(htmlText: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(htmlText);
  return match?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The session cookie as a browser would send it back. */
export function sessionCookie(response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie'];
  const cookie = (Array.isArray(header) ? header : [header]).find((value) => value?.startsWith('__Host-account='));
  if (!cookie) throw new Error('no session cookie set');
  return cookie.split(';', 1)[0] ?? '';
}

export interface OpenedPage {
  response: LightMyRequestResponse;
  cookie: string;
  csrf: string;
}

/** GET /terms as the Action's redirect does, keeping what the browser would keep. */
export async function openTerms(
  app: FastifyInstance,
  query: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<OpenedPage> {
  const response = await app.inject({ method: 'GET', url: '/terms', query, headers });
  if (response.statusCode !== 200) throw new Error(`GET /terms: ${response.statusCode} ${response.body}`);
  const csrf = field(response.body, '_csrf');
  if (!csrf) throw new Error('no CSRF token in the page');
  return { response, cookie: sessionCookie(response), csrf };
}

export function answer(
  app: FastifyInstance,
  page: OpenedPage,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/terms',
    headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams({ _csrf: page.csrf, ...fields }).toString(),
  });
}
