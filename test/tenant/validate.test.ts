import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SECRETS, lineCount, pos, removeCopies, replaceOnce, tenantCopy } from './helpers';

afterEach(removeCopies);

const TENANT = 'tenant/tenant.yaml';
const SANDBOX = 'tenant/environments/sandbox.yaml';
const DEV = 'tenant/environments/dev.yaml';
/** Appends to an Action's entry (exported, so the bundle keeps it). */
const append = (code: string) => (text: string) => `${text}\n${code}\n`;
/** `line:col` shifted down `lines` lines (to a line a test inserted), at column `col`. */
const below = (at: string, lines: number, col: number): string => `${Number(at.split(':')[0]) + lines}:${col}`;

describe('the real tenant', () => {
  it.each(['sandbox', 'dev', 'staging', 'prod'])(
    'passes for %s (secrets declared, not needed to build)',
    async (env) => {
      const copy = tenantCopy();
      const result = await copy.run({ env });
      expect(result.issues).toEqual([]);
      expect(result.notes).toContain(
        'post-login: gate-apps → prompt-account-linking → enforce-terms → override-profile',
      );
      expect(result.notes.at(-1)).toMatch(/^secrets not set here .*TENANT_LINKING_SESSION_TOKEN_SECRET/);
    },
  );

  it('passes with --require-secrets when every secret is set, and never prints a value', async () => {
    const copy = tenantCopy();
    const result = await copy.run({ env: 'prod', vars: ALL_SECRETS, requireSecrets: true });
    expect(result.issues).toEqual([]);
    const printed = result.notes.join('\n');
    for (const value of Object.values(ALL_SECRETS)) expect(printed).not.toContain(value);
  });

  it('with --require-secrets names each unset variable, and reads nothing else from the environment', async () => {
    const copy = tenantCopy();
    const { TENANT_SMTP_PASSWORD: _unset, ...some } = ALL_SECRETS;
    const issues = await copy.check({
      vars: { ...some, SMTP_PASSWORD: 'same name as the keyword, not the variable' },
      requireSecrets: true,
    });
    expect(issues).toEqual([
      `${SANDBOX}:${pos(SANDBOX, 'SMTP_PASSWORD:', 'TENANT_')}: secrets.SMTP_PASSWORD: environment variable TENANT_SMTP_PASSWORD (the value of SMTP_PASSWORD) is not set — set it in the environment this runs in (the sandbox CI secrets, or the sandbox start script); tenant/.env.example says what it holds`,
    ]);
  });

  it('builds what it validates: the bundles read exactly the secrets tenant.yaml declares, and the app_metadata keys are found', async () => {
    const result = await tenantCopy().run();
    const scans = Object.fromEntries((result.build?.actions ?? []).map((a) => [a.name, a.scan]));
    expect(scans['gate-apps']?.secrets).toEqual([]);
    expect(scans['override-profile']?.secrets).toEqual([]);
    expect(scans['prompt-account-linking']?.secrets).toEqual([
      'LINKING_COOLDOWN_DAYS',
      'LINKING_URL',
      'MGMT_CLIENT_ID',
      'MGMT_CLIENT_SECRET',
      'MGMT_DOMAIN',
      'SESSION_TOKEN_SECRET',
    ]);
    expect(scans['enforce-terms']?.secrets).toEqual([
      'SESSION_TOKEN_SECRET',
      'TERMS_GRACE_UNTIL',
      'TERMS_URL',
      'TERMS_VERSION',
    ]);
    // A scan that found nothing would make the reserved-name rule pass vacuously.
    expect([...new Set(Object.values(scans).flatMap((s) => s?.appMetadataKeys ?? []))].sort()).toEqual([
      'account_linking',
      'blocked_apps',
      'entitlements',
      'terms',
    ]);
  });
});

describe('keywords', () => {
  it('fails on a ##KEY## the environment has no value for', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "support_url: '##SUPPORT_URL##'", "support_url: '##HELP_CENTER_URL##'"));
    const issues = await copy.check();
    expect(issues).toContain(
      `${TENANT}:${pos(TENANT, 'support_url:', '##')}: tenant.support_url: ##HELP_CENTER_URL## has no value in the sandbox environment (deploy-cli would deploy it literally) — add HELP_CENTER_URL to tenant/environments/sandbox.yaml under keywords: (or under secrets: with the environment variable holding it)`,
    );
    // Every environment must be able to resolve it, not only the one being validated.
    expect(issues).toContain(
      `tenant/environments/prod.yaml:${pos('tenant/environments/prod.yaml', 'AUTH0_DOMAIN')}: keywords: HELP_CENTER_URL is used by the tenant files but has no value in the prod environment — add HELP_CENTER_URL under keywords: (or under secrets: with its environment variable)`,
    );
    expect(issues).toContain(
      `${SANDBOX}:${pos(SANDBOX, 'SUPPORT_URL:', 'https')}: keywords.SUPPORT_URL: SUPPORT_URL is not used by tenant.yaml or the files it loads — remove it (or use it)`,
    );
  });

  it('fails on an @@KEY@@ the environment has no value for', async () => {
    const copy = tenantCopy();
    copy.edit(SANDBOX, (t) => replaceOnce(t, '  WEB_CALLBACKS: [http://localhost:3000/callback]\n', ''));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, "callbacks: '@@WEB_CALLBACKS@@'", '@@')}: clients[0].callbacks: @@WEB_CALLBACKS@@ has no value in the sandbox environment (deploy-cli would deploy it literally) — add WEB_CALLBACKS to tenant/environments/sandbox.yaml under keywords: (or under secrets: with the environment variable holding it)`,
    ]);
  });

  it('fails on an unresolved keyword in a file tenant.yaml loads', async () => {
    const copy = tenantCopy();
    copy.edit('tenant/emailTemplates/welcome_email.html', (t) =>
      replaceOnce(t, '</body>', '<p>##SUPPORT_PHONE##</p>\n</body>'),
    );
    const issues = await copy.check();
    expect(issues[0]).toBe(
      `tenant/emailTemplates/welcome_email.html:${below(pos('tenant/emailTemplates/welcome_email.html', '</body>'), 0, 4)}: ##SUPPORT_PHONE## has no value in the sandbox environment (deploy-cli would deploy it literally) — add SUPPORT_PHONE to tenant/environments/sandbox.yaml under keywords: (or under secrets: with the environment variable holding it)`,
    );
    expect(issues.slice(1)).toEqual(
      ['dev', 'prod', 'staging'].map((env) =>
        expect.stringContaining(`SUPPORT_PHONE is used by the tenant files but has no value in the ${env} environment`),
      ),
    );
  });

  it('refuses any keyword marker in Action code, resolved or not', async () => {
    const copy = tenantCopy();
    copy.edit('actions/gate-apps/index.ts', append("export const origin = '##WEB_ORIGIN##';"));
    expect(await copy.check()).toEqual([
      'actions/gate-apps/index.ts: the bundle of gate-apps contains ##WEB_ORIGIN##, which deploy-cli would replace inside the code (with a secret, if one has that name) — remove the marker from the source; pass values to Actions through event.secrets',
    ]);
  });

  it('refuses an unquoted ##KEY## (a YAML comment until substituted)', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "support_email: '##SUPPORT_EMAIL##'", 'support_email: ##SUPPORT_EMAIL##'));
    expect(await copy.check()).toContain(
      `${TENANT}:${pos(TENANT, 'support_email:', "'")}: unquoted ##SUPPORT_EMAIL## starts a YAML comment, so the value is empty until deploy-cli substitutes it — quote it: '##SUPPORT_EMAIL##'`,
    );
  });

  it('refuses ##KEY## for a list value', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "callbacks: '@@WEB_CALLBACKS@@'", "callbacks: '##WEB_CALLBACKS##'"));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, "callbacks: '@@WEB_CALLBACKS@@'", '@@')}: clients[0].callbacks: ##WEB_CALLBACKS## inserts text, but WEB_CALLBACKS is a list in tenant/environments/dev.yaml, tenant/environments/prod.yaml, tenant/environments/sandbox.yaml, tenant/environments/staging.yaml — use '@@WEB_CALLBACKS@@' to insert the list`,
    ]);
  });

  it('fails when a secret value would break the YAML, without printing it', async () => {
    const copy = tenantCopy();
    const vars = { ...ALL_SECRETS, TENANT_SMTP_PASSWORD: "it's-a-secret" };
    const issues = await copy.check({ vars, requireSecrets: true });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^tenant\/tenant\.yaml:\d+:\d+: the YAML becomes invalid once the sandbox values are substituted for SMTP_PASSWORD — /,
    );
    expect(issues.join('\n')).not.toContain("it's-a-secret");
  });

  it('fails when a secret value reads back differently after substitution, without printing it', async () => {
    const copy = tenantCopy();
    const issues = await copy.check({ vars: { ...ALL_SECRETS, TENANT_SMTP_PASSWORD: "it''s" }, requireSecrets: true });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^tenant\/tenant\.yaml:\d+:\d+: emailProvider\.credentials\.smtp_pass: the secret of SMTP_PASSWORD reads back differently once substituted into the YAML — /,
    );
    expect(issues[0]).not.toContain("it''s");
  });
});

describe('Action secrets', () => {
  it('fails when the code reads a secret tenant.yaml does not declare', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "      - {name: TERMS_URL, value: '##TERMS_URL##'}\n", ''));
    expect(await copy.check()).toContain(
      `${TENANT}:${pos(TENANT, '{name: TERMS_VERSION', '-')}: actions[2].secrets: TERMS_URL is read by the code but not declared — add {name: TERMS_URL, value: '##TERMS_URL##'}`,
    );
  });

  it('fails when tenant.yaml declares a secret no code reads', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "      - {name: TERMS_GRACE_UNTIL, value: '##TERMS_GRACE_UNTIL##'}\n",
        "      - {name: TERMS_GRACE_UNTIL, value: '##TERMS_GRACE_UNTIL##'}\n      - {name: TERMS_PDF_URL, value: '##TERMS_URL##'}\n",
      ),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${below(pos(TENANT, '{name: TERMS_GRACE_UNTIL'), 1, 9)}: actions[2].secrets[4]: TERMS_PDF_URL is declared but no code of enforce-terms reads it — remove it, or read it as event.secrets.TERMS_PDF_URL`,
    ]);
  });

  it('refuses a secret value written in tenant.yaml', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "{name: TERMS_URL, value: '##TERMS_URL##'}",
        "{name: TERMS_URL, value: 'https://example.com/terms'}",
      ),
    );
    expect(await copy.check()).toContain(
      `${TENANT}:${pos(TENANT, '{name: TERMS_URL,', "'##")}: actions[2].secrets[1].value: the value of TERMS_URL is not a keyword, so it would be written in this file — use value: '##TERMS_URL##' and give it a value per environment (tenant/environments/)`,
    );
  });

  it('fails when code reads secrets in a way the scan cannot follow', async () => {
    const copy = tenantCopy();
    copy.edit(
      'actions/gate-apps/index.ts',
      append('export const names = (event: Event): string[] => Object.keys(event.secrets);'),
    );
    expect(await copy.check()).toEqual([
      'actions/gate-apps/index.ts: gate-apps reads event.secrets in a way validation cannot follow: `var names = (event) => Object.keys(event.secrets);` — read each secret as event.secrets.NAME (directly or through `const secrets = event.secrets`)',
    ]);
  });
});

describe('Actions and triggers', () => {
  it('fails on a binding to an Action that does not exist', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, '{action_name: override-profile,', '{action_name: override-profiles,'));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, '{action_name: override-profile', 'override-profile')}: triggers.post-login[3].action_name: no Action named override-profiles — use one of: gate-apps, prompt-account-linking, enforce-terms, override-profile`,
    ]);
  });

  it('fails on a binding to a trigger the Action does not support', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => `${t}  credentials-exchange:\n    - {action_name: gate-apps, display_name: gate-apps}\n`);
    expect(await copy.check()).toEqual([
      `${TENANT}:${lineCount(TENANT) + 1}:21: triggers.credentials-exchange[0].action_name: gate-apps does not support the credentials-exchange trigger — bind it to one of its supported_triggers, or add {id: credentials-exchange, ...} there if its code handles it`,
    ]);
  });

  it('fails when post-login runs prompt-account-linking before gate-apps (the order is the security contract)', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        '    - {action_name: gate-apps, display_name: gate-apps}\n    - {action_name: prompt-account-linking, display_name: prompt-account-linking}\n',
        '    - {action_name: prompt-account-linking, display_name: prompt-account-linking}\n    - {action_name: gate-apps, display_name: gate-apps}\n',
      ),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, '{action_name: gate-apps', 'gate-apps')}: triggers.post-login[0].action_name: prompt-account-linking runs before gate-apps: the post-login order is part of the security contract (gate-apps → prompt-account-linking → enforce-terms → override-profile) — bind gate-apps before prompt-account-linking, in that order`,
    ]);
  });

  it('fails when override-profile runs before enforce-terms, and accepts other Actions between the four', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        '    - {action_name: enforce-terms, display_name: enforce-terms}\n    - {action_name: override-profile, display_name: override-profile}\n',
        '    - {action_name: override-profile, display_name: override-profile}\n    - {action_name: enforce-terms, display_name: enforce-terms}\n',
      ),
    );
    expect(await copy.check()).toEqual([
      expect.stringContaining('triggers.post-login[2].action_name: override-profile runs before enforce-terms'),
    ]);
  });

  it('fails with more than 20 Actions on one trigger', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => t + '    - {action_name: gate-apps, display_name: gate-apps}\n'.repeat(17));
    expect(await copy.check()).toContain(
      `${TENANT}:${pos(TENANT, '{action_name: gate-apps', '-')}: triggers.post-login: 21 Actions bound, Auth0 allows 20 per trigger — merge Actions or remove bindings`,
    );
  });

  it('fails with more than 30 secrets on one Action', async () => {
    const copy = tenantCopy();
    const extra = Array.from({ length: 27 }, (_, i) => `      - {name: EXTRA_${i}, value: '##TERMS_URL##'}\n`).join('');
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "      - {name: TERMS_GRACE_UNTIL, value: '##TERMS_GRACE_UNTIL##'}\n",
        `      - {name: TERMS_GRACE_UNTIL, value: '##TERMS_GRACE_UNTIL##'}\n${extra}`,
      ),
    );
    expect(await copy.check()).toContain(
      `${TENANT}:${pos(TENANT, '{name: TERMS_VERSION', '-')}: actions[2].secrets: 31 secrets, Auth0 allows 30 — merge some values (e.g. one JSON secret) or split the Action`,
    );
  });

  it('fails with more than 10 dependencies on one Action', async () => {
    const copy = tenantCopy();
    const deps = Array.from({ length: 11 }, (_, i) => `{name: pkg-${i}, version: 1.0.0}`).join(', ');
    copy.edit(TENANT, (t) => replaceOnce(t, '    dependencies: []\n', `    dependencies: [${deps}]\n`));
    expect(await copy.check()).toContain(
      `${TENANT}:${pos(TENANT, 'dependencies: []', '[')}: actions[0].dependencies: 11 dependencies, Auth0 allows 10 — bundle small packages instead of declaring them`,
    );
  });

  it('pins dependencies to the lockfile and refuses unused ones', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(t, '    dependencies: []\n', "    dependencies: [{name: ms, version: '2.1.2'}]\n"),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${below(pos(TENANT, 'dependencies: []'), 0, 40)}: actions[0].dependencies[0].version: ms@2.1.2 differs from the locked 2.1.3 — set version: '2.1.3'`,
      `${TENANT}:${below(pos(TENANT, 'dependencies: []'), 0, 20)}: actions[0].dependencies[0]: ms is declared but the bundle never requires it — remove it (Auth0 would install it for nothing)`,
    ]);
  });

  it('requires node22, deployed Actions and unique names', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        replaceOnce(replaceOnce(t, 'runtime: node22', 'runtime: node18'), 'deployed: true', 'deployed: false'),
        '- name: override-profile',
        '- name: gate-apps',
      ),
    );
    const issues = await copy.check();
    expect(issues).toContain(
      `${TENANT}:${pos(TENANT, 'runtime: node22', 'node22')}: actions[0].runtime: runtime is node18, the bundles are built for node22 — set runtime: node22`,
    );
    expect(issues).toContain(
      `${TENANT}:${pos(TENANT, 'deployed: true', 'true')}: actions[0].deployed: the Action is not deployed, so its bindings would run an older version or none — set deployed: true`,
    );
    expect(issues).toContain(
      `${TENANT}:${pos(TENANT, '- name: override-profile', 'override')}: actions[3].name: another Action is already named gate-apps — Action names must be unique: rename one`,
    );
  });
});

describe('clients and grants', () => {
  it('fails when a grant names a client that does not exist', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, 'client_id: Account Linking M2M', 'client_id: Linking M2M'));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'client_id: Account Linking M2M', 'Account')}: clientGrants[0].client_id: no client named Linking M2M — use one of: Customer Web App, Profile SPA, Account Service, Account Linking M2M, Account Service M2M (deploy-cli maps names to ids)`,
    ]);
  });

  it('fails when a connection is enabled for a client that does not exist', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        'enabled_clients: [Customer Web App, Profile SPA, Account Service]',
        'enabled_clients: [Customer Web App, Profile App, Account Service]',
      ),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'enabled_clients: [Customer Web App, Profile SPA, Account Service]', 'Profile')}: databases[0].enabled_clients[1]: no client named Profile App — use one of: Customer Web App, Profile SPA, Account Service, Account Linking M2M, Account Service M2M`,
    ]);
  });

  it('fails when a grant is for an API the tenant does not have', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(t, "audience: 'https://##AUTH0_DOMAIN##/api/v2/'", "audience: 'https://##AUTH0_DOMAIN##/api/v1/'"),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'audience:', "'")}: clientGrants[0].audience: https://127.0.0.1:8443/api/v1/ is neither the Management API of 127.0.0.1:8443 nor a resource server in this file — use 'https://##AUTH0_DOMAIN##/api/v2/' or the identifier of one of resourceServers:`,
    ]);
  });

  it('fails on client metadata with more than 10 keys', async () => {
    const copy = tenantCopy();
    const keys = Array.from({ length: 10 }, (_, i) => `      key_${i}: 'v'\n`).join('');
    copy.edit(TENANT, (t) => replaceOnce(t, "      terms_exempt: 'true'\n", `      terms_exempt: 'true'\n${keys}`));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'terms_exempt:', 'terms_exempt')}: clients[1].client_metadata: 11 keys, Auth0 allows 10 — remove keys or combine them`,
    ]);
  });

  it('fails on a client metadata value over 255 characters once keywords are filled in', async () => {
    const copy = tenantCopy();
    // 10 markers are 150 characters as written, 300 once substituted.
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        "      terms_exempt: 'true'\n",
        `      terms_exempt: 'true'\n      help: '${'##SUPPORT_URL##'.repeat(10)}'\n`,
      ),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${below(pos(TENANT, 'terms_exempt:'), 1, 13)}: clients[1].client_metadata.help: 290 characters, Auth0 allows 255 — shorten the value`,
    ]);
  });

  it('fails on a client metadata value that is not a string', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "require_verified_email: 'true'", 'require_verified_email: true'));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'require_verified_email:', "'")}: clients[0].client_metadata.require_verified_email: must be a string (Auth0 stores client metadata as strings) — quote it: require_verified_email: 'true'`,
    ]);
  });
});

describe('app_metadata keys used by the Actions', () => {
  it('fails on a reserved name', async () => {
    const copy = tenantCopy();
    copy.edit(
      'actions/gate-apps/index.ts',
      append("export const block = (api: API): void => { api.user.setAppMetadata('blocked', true); };"),
    );
    expect(await copy.check()).toEqual([
      'actions/gate-apps/index.ts: gate-apps uses app_metadata.blocked, a name Auth0 reserves (writes to it fail or mean something else) — rename the key, e.g. gate_apps_blocked',
    ]);
  });

  it('fails on a name with a dot', async () => {
    const copy = tenantCopy();
    copy.edit(
      'actions/gate-apps/index.ts',
      append("export const note = (api: API): void => { api.user.setAppMetadata('gate.note', true); };"),
    );
    expect(await copy.check()).toEqual([
      'actions/gate-apps/index.ts: gate-apps uses app_metadata key "gate.note": Auth0 refuses metadata names with . or $ — rename it, or nest the value under a plain key',
    ]);
  });
});

describe('files and YAML', () => {
  it('reports invalid YAML with line and column', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(t, '  idle_session_lifetime: 72\n', '  idle_session_lifetime: 72\n  session_lifetime: 24\n'),
    );
    expect(await copy.check()).toEqual([
      `${TENANT}:${below(pos(TENANT, 'idle_session_lifetime:'), 1, 3)}: invalid YAML: Map keys must be unique — fix the syntax at this line and column`,
    ]);
  });

  it('reports invalid YAML in an environment file', async () => {
    const copy = tenantCopy();
    copy.edit(SANDBOX, (t) =>
      replaceOnce(
        t,
        'WEB_CALLBACKS: [http://localhost:3000/callback]',
        'WEB_CALLBACKS: [http://localhost:3000/callback',
      ),
    );
    expect((await copy.check())[0]).toMatch(/^tenant\/environments\/sandbox\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('fails when a referenced file is missing', async () => {
    const copy = tenantCopy();
    rmSync(join(copy.paths.tenantDir, 'emailTemplates', 'welcome_email.html'));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'body: ./emailTemplates/welcome_email.html', './')}: emailTemplates[2].body: file not found: tenant/emailTemplates/welcome_email.html — create it, or fix the path (relative to tenant/)`,
    ]);
  });

  it('fails when Action code is not the bundle the build writes for it', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, 'code: ../dist/actions/gate-apps.js', 'code: ../dist/gate-apps.js'));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'code: ../dist/actions/gate-apps.js', '../')}: actions[0].code: ../dist/gate-apps.js is not the bundle npm run build writes for gate-apps — set code: ../dist/actions/gate-apps.js`,
    ]);
  });

  it('fails when an Action has no source, or a source is not deployed', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(
        t,
        '- name: override-profile\n    code: ../dist/actions/override-profile.js',
        '- name: profile-override\n    code: ../dist/actions/profile-override.js',
      ),
    );
    const issues = await copy.check();
    expect(issues).toContain(
      `${TENANT}:${pos(TENANT, '- name: override-profile', 'override')}: actions[3].name: no Action source actions/profile-override/index.ts for Action profile-override — create it, or remove this Action and its bindings`,
    );
    expect(issues).toContain(
      'actions/override-profile/index.ts: Action override-profile is built but tenant.yaml does not deploy it — add it under actions: (and bind it under triggers:), or delete its folder',
    );
  });

  it('refuses resource types validation does not cover', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => `${t}pages:\n  - {name: login, html: ./pages/login.html}\n`);
    expect(await copy.check()).toEqual([
      `${TENANT}:${lineCount(TENANT) + 1}:3: pages: resource type "pages" is not covered by validation — remove it, or extend tooling/tenant (known: tenant, clients, databases, connections, clientGrants, resourceServers, emailProvider, emailTemplates, attackProtection, actions, triggers)`,
    ]);
  });

  it('refuses resource server scopes written with `name` (deploy-cli accepts them, Auth0 does not)', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, "{value: 'read:profile',", "{name: 'read:profile',"));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, "{value: 'read:profile'", '{')}: resourceServers[0].scopes[0]: a scope needs a \`value\` (the Management API refuses \`name\`, which deploy-cli's schema suggests) — write {value: 'read:thing', description: ...}`,
    ]);
  });

  it('checks the shape of the fields it reads', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) => replaceOnce(t, '    secrets: []\n', '    secrets: {}\n'));
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'secrets: []', '[]')}: actions[0].secrets: must be a list, found a mapping — write it as \`- item\` lines or \`[a, b]\``,
    ]);
  });
});

describe('environment files', () => {
  it('fails on an unknown environment', async () => {
    expect(await tenantCopy().check({ env: 'qa' })).toEqual([
      'tenant/environments/qa.yaml: no environment named "qa" — use one of: dev, prod, sandbox, staging',
    ]);
  });

  it('fails on a secret value written in an environment file', async () => {
    const copy = tenantCopy();
    copy.edit(SANDBOX, (t) => replaceOnce(t, 'SMTP_PASSWORD: TENANT_SMTP_PASSWORD', 'SMTP_PASSWORD: hunter2'));
    expect(await copy.check()).toEqual([
      `${SANDBOX}:${pos(SANDBOX, 'SMTP_PASSWORD:', 'TENANT_')}: secrets.SMTP_PASSWORD: must name an environment variable (UPPER_SNAKE_CASE), never hold a value — write the variable name; put the value in the CI secret store`,
    ]);
  });

  it('fails when a secret of one environment is a plain value in another', async () => {
    const copy = tenantCopy();
    copy.edit('tenant/environments/dev.yaml', (t) =>
      replaceOnce(
        replaceOnce(t, '  SMTP_PASSWORD: TENANT_SMTP_PASSWORD\n', ''),
        '  SMTP_USER: auth0-dev\n',
        '  SMTP_USER: auth0-dev\n  SMTP_PASSWORD: dev-password\n',
      ),
    );
    expect(await copy.check()).toEqual([
      `${DEV}:${below(pos(DEV, 'SMTP_USER:'), 1, 18)}: keywords.SMTP_PASSWORD: SMTP_PASSWORD is a secret in prod, sandbox, staging but its value is written here — move it under secrets: with an environment variable, and rotate the value if it was real`,
    ]);
  });

  it('fails when .env.example holds a value or misses a variable', async () => {
    const copy = tenantCopy();
    copy.edit('tenant/.env.example', (t) =>
      replaceOnce(
        replaceOnce(t, 'TENANT_SMTP_PASSWORD=', ''),
        'TENANT_GOOGLE_CLIENT_SECRET=',
        'TENANT_GOOGLE_CLIENT_SECRET=abc',
      ),
    );
    expect(await copy.check()).toEqual([
      `tenant/.env.example:${pos('tenant/.env.example', 'TENANT_GOOGLE_CLIENT_SECRET=')}: TENANT_GOOGLE_CLIENT_SECRET has a value in a committed file — leave it empty (NAME=); rotate the value if it was real`,
      'tenant/.env.example: TENANT_SMTP_PASSWORD (named by dev, prod, sandbox, staging) is not documented — add a comment saying what it holds, then TENANT_SMTP_PASSWORD=',
    ]);
  });

  it('requires the tenant domain the deploy guard compares with', async () => {
    const copy = tenantCopy();
    copy.edit(SANDBOX, (t) => replaceOnce(t, 'AUTH0_DOMAIN: 127.0.0.1:8443', 'AUTH0_DOMAIN: https://127.0.0.1:8443'));
    expect(await copy.check()).toEqual([
      `${SANDBOX}:${pos(SANDBOX, 'AUTH0_DOMAIN:', '127')}: keywords.AUTH0_DOMAIN: must be the tenant domain (host or host:port, lower case, no https://) — e.g. \`AUTH0_DOMAIN: acme-prod.eu.auth0.com\`; deploy guards compare the target tenant with it`,
    ]);
  });
});
