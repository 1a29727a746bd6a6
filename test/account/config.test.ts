import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PORT, readAccountConfig } from '../../account/config';
import { loadTermsContent } from '../../account/terms/content';
import { CONTENT_DIR } from './helpers';

const KEY = randomBytes(32).toString('base64');
const SECRET = 'x'.repeat(40);
const VALID = { AUTH0_DOMAIN: 'acme.eu.auth0.com', TERMS_SESSION_TOKEN_SECRET: SECRET, ACCOUNT_SESSION_KEYS: KEY };

function problems(env: Record<string, string>): string[] {
  try {
    readAccountConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('readAccountConfig', () => {
  it('reads a valid environment, with defaults', () => {
    const config = readAccountConfig(VALID);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      tenantOrigin: 'https://acme.eu.auth0.com',
      termsSessionSecret: SECRET,
      trustProxy: false,
    });
    expect(config.sessionKeys).toEqual([Buffer.from(KEY, 'base64')]);
    expect(
      readAccountConfig({
        ...VALID,
        AUTH0_DOMAIN: 'https://127.0.0.1:8443/',
        ACCOUNT_PORT: '9000',
        ACCOUNT_HOST: '0.0.0.0',
      }),
    ).toMatchObject({ tenantOrigin: 'https://127.0.0.1:8443', port: 9000, host: '0.0.0.0' });
    const second = randomBytes(32).toString('base64');
    expect(readAccountConfig({ ...VALID, ACCOUNT_SESSION_KEYS: `${KEY}, ${second}` }).sessionKeys).toHaveLength(2);
    expect(readAccountConfig({ ...VALID, ACCOUNT_TRUST_PROXY: '10.0.0.0/8, 192.168.1.7' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
    ]);
  });

  it('lists every problem at once, by name, never echoing a secret', () => {
    const found = problems({
      ACCOUNT_PORT: 'eighty',
      ACCOUNT_SESSION_KEYS: 'c2hvcnQ=',
      TERMS_SESSION_TOKEN_SECRET: 'short-secret',
      ACCOUNT_TRUST_PROXY: 'true',
    });
    expect(found).toHaveLength(5);
    expect(found.join('\n')).toMatch(
      /ACCOUNT_PORT[\s\S]*AUTH0_DOMAIN[\s\S]*TERMS_SESSION_TOKEN_SECRET[\s\S]*ACCOUNT_SESSION_KEYS[\s\S]*ACCOUNT_TRUST_PROXY/,
    );
    expect(found.join('\n')).not.toContain('short-secret');
    expect(found.join('\n')).not.toContain('c2hvcnQ=');
  });

  it.each([
    ['no domain', { AUTH0_DOMAIN: '' }, 'AUTH0_DOMAIN'],
    ['a URL with a path', { AUTH0_DOMAIN: 'https://acme.eu.auth0.com/continue' }, 'AUTH0_DOMAIN'],
    ['credentials in the domain', { AUTH0_DOMAIN: 'user:pass@acme.eu.auth0.com' }, 'AUTH0_DOMAIN'],
    ['no secret', { TERMS_SESSION_TOKEN_SECRET: ' ' }, 'TERMS_SESSION_TOKEN_SECRET'],
    ['no session key', { ACCOUNT_SESSION_KEYS: '' }, 'ACCOUNT_SESSION_KEYS'],
    [
      'a key of the wrong size',
      { ACCOUNT_SESSION_KEYS: `${KEY},${randomBytes(16).toString('base64')}` },
      'ACCOUNT_SESSION_KEYS',
    ],
    ['a port out of range', { ACCOUNT_PORT: '70000' }, 'ACCOUNT_PORT'],
  ])('%s', (_name, change, name) => {
    const found = problems({ ...VALID, ...change });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(name);
  });
});

describe('loadTermsContent', () => {
  const folder = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'terms-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };

  it('has every locale of every version in the repository', () => {
    const content = loadTermsContent(CONTENT_DIR);
    expect([...content.keys()]).toContain('2026-01');
  });

  it('refuses to start with a missing or empty translation, a bad version name, or no version', () => {
    expect(() => loadTermsContent(folder({ '2026-01/en.html': '<p>terms</p>' }))).toThrow(
      /2026-01\/fr\.html is missing or empty/,
    );
    expect(() => loadTermsContent(folder({ '2026-01/en.html': '<p>terms</p>', '2026-01/fr.html': '  \n' }))).toThrow(
      /fr\.html is missing or empty/,
    );
    expect(() => loadTermsContent(folder({ '.hidden/en.html': 'x', '.hidden/fr.html': 'x' }))).toThrow(
      /not a valid version name/,
    );
    expect(() => loadTermsContent(folder({ 'README.md': 'x' }))).toThrow(/has no version/);
    expect(() => loadTermsContent(join(tmpdir(), 'no-such-terms-folder'))).toThrow(/does not exist/);
  });
});

describe('readAccountConfig: the linking page (account client)', () => {
  const LINKING = {
    ACCOUNT_BASE_URL: 'https://account.acme.example',
    ACCOUNT_CLIENT_ID: 'account-client-id',
    ACCOUNT_CLIENT_SECRET: 'account-client-secret',
    LINKING_SESSION_TOKEN_SECRET: 'y'.repeat(40),
  };

  it('reads the group when complete, and leaves it out when absent', () => {
    expect(readAccountConfig({ ...VALID, ...LINKING })).toMatchObject({
      accountClient: {
        baseUrl: 'https://account.acme.example',
        clientId: 'account-client-id',
        clientSecret: 'account-client-secret',
      },
      linkingSessionSecret: 'y'.repeat(40),
    });
    expect(readAccountConfig(VALID).accountClient).toBeUndefined();
    expect(
      readAccountConfig({ ...VALID, ...LINKING, ACCOUNT_BASE_URL: 'http://127.0.0.1:8444/' }).accountClient?.baseUrl,
    ).toBe('http://127.0.0.1:8444');
  });

  it('names what a partial group lacks, never a value', () => {
    const found = problems({ ...VALID, ACCOUNT_CLIENT_ID: 'id', LINKING_SESSION_TOKEN_SECRET: 'z'.repeat(40) });
    expect(found).toEqual([
      'ACCOUNT_BASE_URL, ACCOUNT_CLIENT_SECRET required with ACCOUNT_CLIENT_ID, LINKING_SESSION_TOKEN_SECRET (the linking page needs all of them)',
    ]);
    expect(found.join()).not.toContain('z'.repeat(40));
  });

  it.each([
    ['http off loopback', 'http://account.acme.example'],
    ['a path', 'https://account.acme.example/account'],
    ['a query', 'https://account.acme.example/?x=1'],
    ['not a URL', 'account.acme.example'],
  ])('refuses an ACCOUNT_BASE_URL with %s', (_name, value) => {
    expect(problems({ ...VALID, ...LINKING, ACCOUNT_BASE_URL: value })).toEqual([
      "ACCOUNT_BASE_URL must be the service's public origin: https://host[:port] (http only on loopback)",
    ]);
  });

  it('refuses a short linking secret, and the consent page secret (one key per page)', () => {
    expect(problems({ ...VALID, ...LINKING, LINKING_SESSION_TOKEN_SECRET: 'short' })).toEqual([
      'LINKING_SESSION_TOKEN_SECRET must be at least 32 characters',
    ]);
    expect(problems({ ...VALID, ...LINKING, LINKING_SESSION_TOKEN_SECRET: SECRET })).toEqual([
      'LINKING_SESSION_TOKEN_SECRET must differ from TERMS_SESSION_TOKEN_SECRET (one key per page)',
    ]);
  });
});

describe('readAccountConfig: the profile pages (Management API client)', () => {
  const MGMT = {
    ACCOUNT_MGMT_DOMAIN: 'acme.eu.auth0.com',
    ACCOUNT_MGMT_CLIENT_ID: 'mgmt-id',
    ACCOUNT_MGMT_CLIENT_SECRET: 'mgmt-secret-value',
  };

  it('reads the group when complete, and leaves it out when absent', () => {
    expect(readAccountConfig({ ...VALID, ...MGMT }).management).toEqual({
      domain: 'acme.eu.auth0.com',
      clientId: 'mgmt-id',
      clientSecret: 'mgmt-secret-value',
    });
    expect(readAccountConfig(VALID).management).toBeUndefined();
  });

  it('names what a partial group lacks and refuses a domain that is not one, never echoing the secret', () => {
    expect(problems({ ...VALID, ACCOUNT_MGMT_CLIENT_SECRET: 'mgmt-secret-value' })).toEqual([
      'ACCOUNT_MGMT_DOMAIN, ACCOUNT_MGMT_CLIENT_ID required with ACCOUNT_MGMT_CLIENT_SECRET (the profile pages need all of them)',
    ]);
    expect(problems({ ...VALID, ...MGMT, ACCOUNT_MGMT_DOMAIN: 'https://acme.eu.auth0.com/api/v2/' })).toEqual([
      "ACCOUNT_MGMT_DOMAIN must be the tenant's canonical domain (e.g. acme.eu.auth0.com)",
    ]);
  });
});

describe('readAccountConfig: the profile API', () => {
  it('needs the Management API client', () => {
    expect(problems({ ...VALID, ACCOUNT_PROFILE_API_AUDIENCE: 'https://profile-api.acme.example' })).toEqual([
      'ACCOUNT_PROFILE_API_AUDIENCE needs the ACCOUNT_MGMT_* variables (the profile API reads and writes the user)',
    ]);
    expect(
      readAccountConfig({
        ...VALID,
        ACCOUNT_MGMT_DOMAIN: 'acme.eu.auth0.com',
        ACCOUNT_MGMT_CLIENT_ID: 'id',
        ACCOUNT_MGMT_CLIENT_SECRET: 'secret',
        ACCOUNT_PROFILE_API_AUDIENCE: 'https://profile-api.acme.example',
      }).profileApiAudience,
    ).toBe('https://profile-api.acme.example');
  });
});

describe('readAccountConfig: the email change', () => {
  const MAIL_BASE = {
    ...VALID,
    ACCOUNT_MGMT_DOMAIN: 'acme.eu.auth0.com',
    ACCOUNT_MGMT_CLIENT_ID: 'mgmt-id',
    ACCOUNT_MGMT_CLIENT_SECRET: 'mgmt-secret-value',
    ACCOUNT_MAIL_FROM: 'a@acme.example',
  };

  it.each(['smtps://u:p%zz@mail.example.com', 'smtps://u%E0%A4%A:hunter2@mail.example.com'])(
    'a malformed percent-escape in the credentials of %s: the listed problem, by name, never the value',
    (url) => {
      const found = problems({ ...MAIL_BASE, ACCOUNT_SMTP_URL: url });
      expect(found).toEqual([expect.stringMatching(/^ACCOUNT_SMTP_URL must be /)]);
      expect(found.join('\n')).not.toMatch(/%zz|%A4|hunter2/);
    },
  );
});
