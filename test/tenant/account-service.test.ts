import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeCopies, replaceOnce, tenantCopy, type TenantCopy } from './helpers';

afterEach(removeCopies);

const TENANT = 'tenant/tenant.yaml';
const SANDBOX = 'tenant/environments/sandbox.yaml';
const DEV = 'tenant/environments/dev.yaml';
const PROD = 'tenant/environments/prod.yaml';

/** `line:col` of `token` on the first line of the copy's file containing `lineWith` (after the test's edit). */
function at(copy: TenantCopy, file: string, lineWith: string, token: string = lineWith): string {
  const lines = readFileSync(join(copy.paths.root, file), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(lineWith));
  const col = lines[index]?.indexOf(token) ?? -1;
  if (index === -1 || col === -1) throw new Error(`not found in ${file}: ${lineWith} / ${token}`);
  return `${index + 1}:${col + 1}`;
}

/** The Account Service client's entry in tenant.yaml (its comment block and fields), to take out whole. */
function withoutServiceClient(text: string): string {
  const start = text.indexOf('  # The account service (account/, docs/account.md)');
  const end = text.indexOf('  # The client prompt-account-linking uses');
  if (start === -1 || end === -1) throw new Error('Account Service client not found');
  return (text.slice(0, start) + text.slice(end)).replaceAll(', Account Service]', ']');
}

/** A tenant that never had the service: its client out of tenant.yaml, its keywords out of every environment. */
function withoutService(copy: TenantCopy, change: (tenant: string) => string = (t) => t): void {
  copy.edit(TENANT, (t) => change(withoutServiceClient(t)));
  for (const env of ['sandbox', 'dev', 'staging', 'prod'])
    copy.edit(`tenant/environments/${env}.yaml`, (t) => t.replace(/^ {2}ACCOUNT_(CALLBACKS|LOGOUT_URLS): .*\n/gm, ''));
}

describe('the account service wiring of the real tenant', () => {
  it.each(['sandbox', 'dev', 'staging', 'prod'])('passes for %s', async (env) => {
    expect(await tenantCopy().check({ env })).toEqual([]);
  });
});

describe('TERMS_URL and LINKING_URL', () => {
  it("refuses a page URL on another origin than the service's callbacks", async () => {
    const copy = tenantCopy();
    copy.edit(SANDBOX, (t) =>
      replaceOnce(t, 'TERMS_URL: http://127.0.0.1:8444/terms', 'TERMS_URL: http://127.0.0.1:3000/terms'),
    );
    expect(await copy.check()).toEqual([
      `${SANDBOX}:${at(copy, SANDBOX, 'TERMS_URL:', 'http')}: keywords.TERMS_URL: TERMS_URL of enforce-terms is not on the account service's origin (http://127.0.0.1:8444, from the Account Service client's callbacks): the Action would send users and their session tokens elsewhere — use http://127.0.0.1:8444/terms`,
    ]);
  });

  it('refuses another path than /link (or /terms)', async () => {
    const copy = tenantCopy();
    copy.edit(PROD, (t) =>
      replaceOnce(
        t,
        'LINKING_URL: https://account.acme.example/link',
        'LINKING_URL: https://account.acme.example/link/',
      ),
    );
    expect(await copy.check({ env: 'prod' })).toEqual([
      `${PROD}:${at(copy, PROD, 'LINKING_URL:', 'https')}: keywords.LINKING_URL: LINKING_URL of prompt-account-linking must be exactly the service's /link page (no other path, query or fragment) — use https://account.acme.example/link`,
    ]);
  });

  it('refuses a query on the page URL (the Action adds its own)', async () => {
    const copy = tenantCopy();
    copy.edit(PROD, (t) =>
      replaceOnce(
        t,
        'TERMS_URL: https://account.acme.example/terms',
        "TERMS_URL: 'https://account.acme.example/terms?lang=fr'",
      ),
    );
    expect(await copy.check({ env: 'prod' })).toEqual([
      `${PROD}:${at(copy, PROD, 'TERMS_URL:', "'")}: keywords.TERMS_URL: TERMS_URL of enforce-terms must be exactly the service's /terms page (no other path, query or fragment) — use https://account.acme.example/terms`,
    ]);
  });

  it('refuses http away from loopback', async () => {
    const copy = tenantCopy();
    copy.edit(DEV, (t) =>
      replaceOnce(
        t,
        'TERMS_URL: https://account.dev.acme.example/terms',
        'TERMS_URL: http://account.dev.acme.example/terms',
      ),
    );
    expect(await copy.check({ env: 'dev' })).toEqual([
      `${DEV}:${at(copy, DEV, 'TERMS_URL:', 'http')}: keywords.TERMS_URL: TERMS_URL of enforce-terms must be an https URL (http only on loopback, as Auth0 allows) without credentials or wildcard — use https://account.dev.acme.example/terms`,
    ]);
  });

  it('refuses the two pages on two different origins of the service', async () => {
    const copy = tenantCopy();
    copy.edit(DEV, (t) =>
      replaceOnce(t, 'TERMS_URL: https://account.dev.acme.example/terms', 'TERMS_URL: http://127.0.0.1:8444/terms'),
    );
    expect(await copy.check({ env: 'dev' })).toEqual([
      `${DEV}:${at(copy, DEV, 'TERMS_URL:', 'http')}: keywords.TERMS_URL: TERMS_URL of enforce-terms is on another origin than LINKING_URL: both are pages of one service (ACCOUNT_BASE_URL) — put both on the same origin`,
    ]);
  });

  it('checks the value the Action gets, whichever keyword gives it', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(t, "{name: TERMS_URL, value: '##TERMS_URL##'}", "{name: TERMS_URL, value: '##SUPPORT_URL##'}"),
    );
    const issues = await copy.check();
    expect(issues.filter((i) => i.includes('enforce-terms'))).toEqual([
      `${SANDBOX}:${at(copy, SANDBOX, 'SUPPORT_URL:', 'https')}: keywords.SUPPORT_URL: TERMS_URL of enforce-terms is not on the account service's origin (http://127.0.0.1:8444, from the Account Service client's callbacks): the Action would send users and their session tokens elsewhere — use http://127.0.0.1:8444/terms`,
    ]);
  });

  it('points at tenant.yaml when the Action secret is more than a keyword', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(t, "{name: TERMS_URL, value: '##TERMS_URL##'}", "{name: TERMS_URL, value: '##WEB_ORIGIN##/terms'}"),
    );
    const issues = await copy.check();
    expect(issues.filter((i) => i.includes('enforce-terms'))).toEqual([
      `${TENANT}:${at(copy, TENANT, '{name: TERMS_URL,', "'")}: actions[2].secrets[1].value: TERMS_URL of enforce-terms is not on the account service's origin (http://127.0.0.1:8444, from the Account Service client's callbacks): the Action would send users and their session tokens elsewhere — use http://127.0.0.1:8444/terms`,
    ]);
  });

  it('checks a page URL given as a secret without ever printing it, and leaves an unset one to the secrets check', async () => {
    const copy = tenantCopy();
    const value = 'https://s3cret-host.example/terms?k=s3cret';
    copy.edit(SANDBOX, (t) =>
      replaceOnce(t, '  TERMS_URL: http://127.0.0.1:8444/terms\n', '').replace(
        'secrets:\n',
        'secrets:\n  TERMS_URL: TENANT_TERMS_URL\n',
      ),
    );
    const unset = await copy.check({ vars: {} });
    expect(unset.filter((i) => i.includes('enforce-terms'))).toEqual([]);

    const result = await copy.run({ vars: { TENANT_TERMS_URL: value } });
    const printed = result.issues.map((i) => `${i.field}: ${i.problem} — ${i.fix}`);
    expect(printed.filter((i) => i.includes('enforce-terms'))).toEqual([
      "secrets.TERMS_URL: TERMS_URL of enforce-terms is not on the account service's origin (http://127.0.0.1:8444, from the Account Service client's callbacks): the Action would send users and their session tokens elsewhere — use http://127.0.0.1:8444/terms",
    ]);
    expect(printed.join('\n')).not.toContain('s3cret');
  });
});

describe("the Account Service client's URLs", () => {
  it('refuses callbacks without /profile/callback on one of its origins', async () => {
    const copy = tenantCopy();
    copy.edit(DEV, (t) => replaceOnce(t, ', http://127.0.0.1:8444/profile/callback]', ']'));
    expect(await copy.check({ env: 'dev' })).toEqual([
      `${DEV}:${at(copy, DEV, 'ACCOUNT_CALLBACKS:', '[')}: keywords.ACCOUNT_CALLBACKS: lacks http://127.0.0.1:8444/profile/callback: the tenant would refuse the profile pages' sign-in on http://127.0.0.1:8444 — add http://127.0.0.1:8444/profile/callback`,
    ]);
  });

  it("refuses callbacks without /link/callback on the pages' origin", async () => {
    const copy = tenantCopy();
    copy.edit(PROD, (t) => replaceOnce(t, '[https://account.acme.example/link/callback, ', '['));
    expect(await copy.check({ env: 'prod' })).toEqual([
      `${PROD}:${at(copy, PROD, 'ACCOUNT_CALLBACKS:', '[')}: keywords.ACCOUNT_CALLBACKS: lacks https://account.acme.example/link/callback: the tenant would refuse the linking page's proof of control on https://account.acme.example — add https://account.acme.example/link/callback`,
    ]);
  });

  it('refuses a callback that is not one of the service (another app, a wildcard, plain http)', async () => {
    const copy = tenantCopy();
    const extra =
      ', https://www.acme.example/callback, https://*.acme.example/link/callback, http://account.acme.example/link/callback';
    copy.edit(PROD, (t) =>
      replaceOnce(
        t,
        'https://account.acme.example/profile/callback]',
        `https://account.acme.example/profile/callback${extra}]`,
      ),
    );
    const problem =
      'not a callback of the account service: <origin>/link/callback or /profile/callback, the origin https (http only on loopback), without wildcard, credentials, query or fragment — correct or remove it: the tenant sends authorization codes for this client to every callback listed';
    expect(await copy.check({ env: 'prod' })).toEqual([
      `${PROD}:${at(copy, PROD, 'ACCOUNT_CALLBACKS:', 'https://www')}: keywords.ACCOUNT_CALLBACKS[2]: ${problem}`,
      `${PROD}:${at(copy, PROD, 'ACCOUNT_CALLBACKS:', 'https://*')}: keywords.ACCOUNT_CALLBACKS[3]: ${problem}`,
      `${PROD}:${at(copy, PROD, 'ACCOUNT_CALLBACKS:', 'http://')}: keywords.ACCOUNT_CALLBACKS[4]: ${problem}`,
    ]);
  });

  it('refuses logout URLs without the origin of its callbacks', async () => {
    const copy = tenantCopy();
    copy.edit(PROD, (t) =>
      replaceOnce(
        t,
        'ACCOUNT_LOGOUT_URLS: [https://account.acme.example/]',
        'ACCOUNT_LOGOUT_URLS: [https://account.acme.example/logout]',
      ),
    );
    expect(await copy.check({ env: 'prod' })).toEqual([
      `${PROD}:${at(copy, PROD, 'ACCOUNT_LOGOUT_URLS:', '[')}: keywords.ACCOUNT_LOGOUT_URLS: lacks https://account.acme.example/: signing out of the account service on https://account.acme.example could not return to it — add https://account.acme.example/`,
    ]);
  });
});

describe("the Account Service client's settings", () => {
  it('refuses the client without the account_service flag the Actions exempt', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "    client_metadata:\n      account_service: 'true'\n", ''));
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, '- name: Account Service', 'Account')}: clients[2].name: the Account Service client lacks client_metadata.account_service: 'true': prompt-account-linking and enforce-terms would redirect its own logins (the linking proof would never reach its callback, a user who declined the terms could not reach their data) — add client_metadata: {account_service: 'true'}`,
    ]);
  });

  it("refuses a flag value the Actions do not read as 'true'", async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "account_service: 'true'", "account_service: 'yes'"));
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, "account_service: 'yes'", 'account_service')}: clients[2].client_metadata: the Account Service client lacks client_metadata.account_service: 'true': prompt-account-linking and enforce-terms would redirect its own logins (the linking proof would never reach its callback, a user who declined the terms could not reach their data) — add client_metadata: {account_service: 'true'}`,
    ]);
  });

  it('refuses the flag on any other client: its logins would skip the terms and linking', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "require_verified_email: 'true'\n",
        "require_verified_email: 'true'\n      account_service: 'true'\n",
      ),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, "account_service: 'true'", "'")}: clients[0].client_metadata.account_service: only the Account Service client may carry account_service: prompt-account-linking and enforce-terms skip every login to a client with it, so Customer Web App's users would never be asked to accept the terms or offered linking — remove it`,
    ]);
  });

  it('refuses the flag on another client even in a tenant without the account service', async () => {
    const copy = tenantCopy();
    withoutService(copy, (t) =>
      replaceOnce(t, "      terms_exempt: 'true'\n", "      terms_exempt: 'true'\n      account_service: 'true'\n"),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, "account_service: 'true'", "'")}: clients[1].client_metadata.account_service: only the Account Service client may carry account_service: prompt-account-linking and enforce-terms skip every login to a client with it, so Profile SPA's users would never be asked to accept the terms or offered linking — remove it`,
    ]);
  });

  it('refuses refresh_token (or any grant type but the code flow)', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        '    grant_types: [authorization_code]\n',
        '    grant_types: [authorization_code, refresh_token, implicit]\n',
      ),
    );
    const line = (token: string) =>
      at(copy, TENANT, 'grant_types: [authorization_code, refresh_token, implicit]', token);
    expect(await copy.check()).toEqual([
      `${TENANT}:${line('refresh_token')}: clients[2].grant_types[1]: refresh_token is not a grant type the account service uses: it signs users in with the authorization code flow only, and keeps no refresh token — remove it: grant_types: [authorization_code]`,
      `${TENANT}:${line('implicit')}: clients[2].grant_types[2]: implicit is not a grant type the account service uses: it signs users in with the authorization code flow only, and keeps no refresh token — remove it: grant_types: [authorization_code]`,
    ]);
  });

  it("refuses the client without grant_types (Auth0's defaults are wider)", async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "    allowed_logout_urls: '@@ACCOUNT_LOGOUT_URLS@@'\n    grant_types: [authorization_code]\n",
        "    allowed_logout_urls: '@@ACCOUNT_LOGOUT_URLS@@'\n",
      ),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, '- name: Account Service', 'name')}: clients[2].grant_types: the Account Service client must list its grant types (without them Auth0 applies its defaults, which include implicit and client_credentials) — write grant_types: [authorization_code]`,
    ]);
  });
});

describe('the Account Service M2M grant', () => {
  /** Only on the M2M grant's scope line, and never removed by these tests. */
  const SCOPE = "'delete:sessions'";

  it('refuses any scope the service does not use', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "'delete:grants']",
        "'delete:grants', 'create:users', 'read:user_idp_tokens', 'update:client_grants']",
      ),
    );
    const line = (token: string) => at(copy, TENANT, SCOPE, token);
    const problem = (scope: string) =>
      `${scope} is not a scope the account service uses (least privilege: whoever holds Account Service M2M's secret gets every scope granted) — remove it`;
    expect(await copy.check()).toEqual([
      `${TENANT}:${line("'create:users'")}: clientGrants[1].scope[6]: ${problem('create:users')}`,
      `${TENANT}:${line("'read:user_idp_tokens'")}: clientGrants[1].scope[7]: ${problem('read:user_idp_tokens')}`,
      `${TENANT}:${line("'update:client_grants'")}: clientGrants[1].scope[8]: ${problem('update:client_grants')}`,
    ]);
  });

  it.each([
    ['delete:grants', "delete my account (it revokes the user's consents first, and deletes nothing when it cannot)"],
    ['read:users', 'the profile page, the data download, the email change and the deletion (they read the user)'],
  ])('refuses the grant without %s, naming what breaks', async (scope, feature) => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => {
      const line = t.split('\n').find((l) => l.includes(SCOPE)) ?? '';
      return replaceOnce(t, line, line.replace(`'${scope}', `, '').replace(`, '${scope}'`, ''));
    });
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, SCOPE, '[')}: clientGrants[1].scope: lacks ${scope}: ${feature} would fail — add '${scope}'`,
    ]);
  });

  it('refuses a grant of the M2M client to another API', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "'delete:grants']\n",
        "'delete:grants']\n  - client_id: Account Service M2M\n    audience: '##PROFILE_API_AUDIENCE##'\n    scope: ['read:profile']\n",
      ),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, "audience: '##PROFILE_API_AUDIENCE##'", "'")}: clientGrants[2].audience: Account Service M2M is granted an API the account service never calls with it (it calls the Management API only) — remove this grant`,
    ]);
  });

  it('refuses the M2M client without its Management API grant', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => {
      const start = t.indexOf('  - client_id: Account Service M2M');
      const end = t.indexOf('\n', t.indexOf("'delete:grants']", start)) + 1;
      return t.slice(0, start) + t.slice(end);
    });
    expect(await copy.check()).toEqual([
      `${TENANT}:${at(copy, TENANT, '- name: Account Service M2M', 'name')}: clients[4]: Account Service M2M has no grant for the Management API: the profile pages and the account deletion would fail — add {client_id: Account Service M2M, audience: 'https://##AUTH0_DOMAIN##/api/v2/', scope: ['read:users', 'update:users', 'delete:users', 'delete:sessions', 'delete:refresh_tokens', 'delete:grants']}`,
    ]);
  });
});

describe('a tenant without the Account Service client', () => {
  it('is not checked by this rule: page URLs elsewhere and any M2M grant pass', async () => {
    const copy = tenantCopy();
    withoutService(copy, (t) => replaceOnce(t, "'delete:grants']", "'delete:grants', 'create:users']"));
    copy.edit(PROD, (t) =>
      replaceOnce(
        t,
        'TERMS_URL: https://account.acme.example/terms',
        'TERMS_URL: https://www.acme.example/legal/terms',
      ),
    );
    expect(await copy.check({ env: 'prod' })).toEqual([]);
  });
});
