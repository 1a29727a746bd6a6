import { describe, expect, it } from 'vitest';
import { compareFields, type CompareContext } from '../../tooling/plan/diff';
import {
  fingerprinter,
  formatEntries,
  KEYWORD_SCOPE,
  parseEntries,
  publicFingerprint,
  splitFingerprintLine,
  withFingerprintLine,
} from '../../tooling/plan/fingerprints';
import { actions } from '../../tooling/plan/handlers/actions';
import { tenant } from '../../tooling/plan/handlers/tenant';
import type { JsonObject } from '../../tooling/plan/json';
import {
  SecretValue,
  type CurrentResource,
  type DesiredResource,
  type ResourceType,
  type ValueObject,
} from '../../tooling/plan/model';
import { comparePlan, type CurrentState, type DesiredState } from '../../tooling/plan/plan';
import type { ResolvedEnvironment } from '../../tooling/tenant';
import { restorer } from '../../tooling/plan/restore';
import { MAX_DIFF_LINES } from '../../tooling/plan/text-diff';

const fingerprint = fingerprinter('unit-test-fingerprint-key');

function context(ledger?: Record<string, string>): CompareContext & { notes: string[] } {
  const notes: string[] = [];
  return { fingerprint, ledger, note: (text) => notes.push(text), notes };
}

describe('fingerprints', () => {
  it('are keyed: the same value gives another fingerprint under another key, scope or name', () => {
    const other = fingerprinter('another-fingerprint-key!');
    expect(fingerprint('enforce-terms', 'TERMS_URL', 'x')).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint('enforce-terms', 'TERMS_URL', 'x')).toBe(fingerprint('enforce-terms', 'TERMS_URL', 'x'));
    expect(other('enforce-terms', 'TERMS_URL', 'x')).not.toBe(fingerprint('enforce-terms', 'TERMS_URL', 'x'));
    expect(fingerprint('gate-apps', 'TERMS_URL', 'x')).not.toBe(fingerprint('enforce-terms', 'TERMS_URL', 'x'));
    expect(() => fingerprinter('short')).toThrow(/at least 16/);
  });

  it('ride on the last line of the deployed code and come off it exactly', () => {
    const code = '// Auth0 Action x | sources sha256:0123456789abcdef\nexports.onExecutePostLogin = async () => {};\n';
    const staged = withFingerprintLine(code, { B: 'bbbbbbbbbbbbbbbb', A: 'aaaaaaaaaaaaaaaa' });
    expect(staged.endsWith('//# secrets: A=aaaaaaaaaaaaaaaa,B=bbbbbbbbbbbbbbbb\n')).toBe(true);
    expect(splitFingerprintLine(staged)).toEqual({
      code,
      fingerprints: { A: 'aaaaaaaaaaaaaaaa', B: 'bbbbbbbbbbbbbbbb' },
    });
    expect(splitFingerprintLine(withFingerprintLine(code, {}))).toEqual({ code, fingerprints: {} });
    expect(splitFingerprintLine(code)).toEqual({ code, fingerprints: undefined });
    // A malformed line is not trusted (and stays part of the code, which then differs).
    expect(splitFingerprintLine(`${code}//# secrets: A=nothex\n`).fingerprints).toBeUndefined();
    expect(parseEntries(formatEntries({ X: '0123456789abcdef' }))).toEqual({ X: '0123456789abcdef' });
  });
});

describe('field comparison', () => {
  it('gives a long text change a bounded unified diff, tenant → repository', () => {
    const before = Array.from({ length: 28 }, (_, i) => `<p>line ${i}</p>`).join('\n');
    const after = before.replace('<p>line 14</p>', '<p>line fourteen</p>');
    const [field] = compareFields({ body: after }, { body: before }, context());
    expect(field?.diff).toBe(
      [
        '--- tenant/body',
        '+++ repository/body',
        '@@ -12,7 +12,7 @@',
        ' <p>line 11</p>',
        ' <p>line 12</p>',
        ' <p>line 13</p>',
        '-<p>line 14</p>',
        '+<p>line fourteen</p>',
        ' <p>line 15</p>',
        ' <p>line 16</p>',
        ' <p>line 17</p>',
      ].join('\n'),
    );
    const long = Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n');
    const rewritten =
      compareFields({ body: long.replace(/line/g, 'row') }, { body: long }, context())[0]?.diff?.split('\n') ?? [];
    expect(rewritten).toHaveLength(MAX_DIFF_LINES + 1);
    expect(rewritten.at(-1)).toMatch(/^… \d+ more diff lines not shown$/);
    expect(compareFields({ name: 'short' }, { name: 'other' }, context())[0]).not.toHaveProperty('diff');
  });

  it('compares only the fields tenant.yaml sets, nested ones included', () => {
    const desired: ValueObject = { name: 'App', flags: { a: true }, callbacks: ['https://x/cb'] };
    const current = {
      name: 'App',
      flags: { a: false, unmanaged: true },
      callbacks: ['https://x/cb'],
      created_by_auth0: 1,
    };
    expect(compareFields(desired, current, context())).toEqual([{ path: 'flags.a', before: false, after: true }]);
    expect(compareFields({ description: 'new' }, {}, context())).toEqual([{ path: 'description', after: 'new' }]);
  });

  it('never puts a secret value into a change: readable ones are compared, write-only ones through the ledger', () => {
    const secret = new SecretValue(['SMTP_PASSWORD'], 'new-password');
    const desired: ValueObject = { credentials: { smtp_pass: secret } };
    const ledgerFor = (value: string) => ({ SMTP_PASSWORD: fingerprint(KEYWORD_SCOPE, 'SMTP_PASSWORD', value) });
    expect(compareFields(desired, { credentials: {} }, context(ledgerFor('new-password')))).toEqual([]);
    expect(compareFields(desired, { credentials: {} }, context(ledgerFor('old-password')))).toEqual([
      { path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD changed' },
    ]);
    expect(compareFields(desired, { credentials: {} }, context())).toEqual([
      { path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD: unknown (Auth0 does not return it), will be set' },
    ]);
    expect(compareFields(desired, { credentials: { smtp_pass: 'old-password' } }, context())).toEqual([
      { path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD changed' },
    ]);
    // A whole object missing in the tenant is listed leaf by leaf, so the secret stays a note.
    expect(compareFields(desired, {}, context())).toEqual([
      { path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD: unknown (Auth0 does not return it), will be set' },
    ]);
  });

  it('reports a write-only secret as not compared when the plan runs without the fingerprint key', () => {
    const ctx = {
      ...context({ SMTP_PASSWORD: fingerprint(KEYWORD_SCOPE, 'SMTP_PASSWORD', 'x') }),
      fingerprint: undefined,
    };
    expect(compareFields({ smtp_pass: new SecretValue(['SMTP_PASSWORD'], 'x') }, {}, ctx)).toEqual([]);
    expect(ctx.notes).toEqual(['smtp_pass: SMTP_PASSWORD not compared (DEPLOY_FINGERPRINT_KEY is not set here)']);
  });

  it('reports a secret that is not set where the plan runs as a note, not a change', () => {
    const ctx = context();
    expect(
      compareFields(
        { client_secret: new SecretValue(['GOOGLE_CLIENT_SECRET'], undefined) },
        { client_secret: 'x' },
        ctx,
      ),
    ).toEqual([]);
    expect(ctx.notes).toEqual(['client_secret: GOOGLE_CLIENT_SECRET is not set here, so it was not compared']);
  });

  it('refuses to serialise a secret at all', () => {
    expect(() => JSON.stringify({ v: new SecretValue(['S'], 'value') })).toThrow(/refusing to serialise the secret S/);
  });
});

describe('Action comparison', () => {
  const bundle =
    '// Auth0 Action terms | sources sha256:aaaaaaaaaaaaaaaa | generated\nexports.onExecutePostLogin = async () => {};\n';
  const desired = {
    type: 'actions' as const,
    key: 'terms',
    value: {
      code: bundle,
      runtime: 'node22',
      dependencies: [],
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      deployed: true,
      secrets: [
        { name: 'TERMS_URL', value: new SecretValue(['TERMS_URL'], 'https://a') },
        { name: 'NEW', value: new SecretValue(['NEW'], 'n') },
      ],
    },
  };
  const current = (code: string, secrets: string[]) =>
    actions.current(
      [
        {
          name: 'terms',
          code,
          runtime: 'node22',
          dependencies: [],
          supported_triggers: [{ id: 'post-login', version: 'v3' }],
          secrets: secrets.map((name) => ({ name, updated_at: 'x' })),
          all_changes_deployed: true,
        },
      ],
      { clientNames: new Map(), ownClients: new Set() },
    )[0];

  it('sees code changes by sources hash, secret changes by fingerprint, added and removed secrets by name', () => {
    const deployed = withFingerprintLine(bundle.replace('aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'), {
      TERMS_URL: fingerprint('terms', 'TERMS_URL', 'https://old'),
      OLD: fingerprint('terms', 'OLD', 'o'),
    });
    const have = current(deployed, ['OLD', 'TERMS_URL']);
    if (!have) throw new Error('no current action');
    expect(actions.compare(desired, have, context())).toEqual([
      {
        path: 'code',
        note: 'changed (sources bbbbbbbbbbbbbbbb → sources aaaaaaaaaaaaaaaa)',
        diff: [
          '--- tenant/terms.js',
          '+++ repository/terms.js',
          '@@ -1,2 +1,2 @@',
          '-// Auth0 Action terms | sources sha256:bbbbbbbbbbbbbbbb | generated',
          '+// Auth0 Action terms | sources sha256:aaaaaaaaaaaaaaaa | generated',
          ' exports.onExecutePostLogin = async () => {};',
        ].join('\n'),
      },
      { path: 'secrets.TERMS_URL', note: 'secret changed' },
      { path: 'secrets.NEW', note: 'secret added' },
      { path: 'secrets.OLD', note: 'secret removed' },
    ]);
  });

  it('shows the value of an Action secret that is no secret (a keyword the environment does not declare secret), even without the key', () => {
    const section = [
      {
        name: 'terms',
        code: '',
        runtime: 'node22',
        dependencies: [],
        supported_triggers: [{ id: 'post-login', version: 'v3' }],
        deployed: true,
        secrets: [
          { name: 'TERMS_VERSION', value: '2026-02' },
          { name: 'TERMS_URL', value: new SecretValue(['TERMS_URL'], 'https://a') },
        ],
      },
    ];
    const [want] = actions.desired(section, {
      tenantDir: '.',
      keywords: { mappings: {}, secretKeywords: new Set(), unsetSecrets: new Set() },
      bundles: new Map([['terms', bundle]]),
    });
    const deployed = withFingerprintLine(bundle, {
      TERMS_VERSION: publicFingerprint('terms', 'TERMS_VERSION', '2026-01'),
      TERMS_URL: fingerprint('terms', 'TERMS_URL', 'https://a'),
    });
    const have = current(deployed, ['TERMS_URL', 'TERMS_VERSION']);
    if (!want || !have) throw new Error('one action per side');
    const changed = {
      path: 'secrets.TERMS_VERSION',
      note: 'changed (not a secret): now "2026-02"; the value before is not readable (Auth0 never returns Action secrets)',
    };
    expect(actions.compare(want, have, context())).toEqual([changed]);
    const withoutKey = { ...context(), fingerprint: undefined };
    expect(actions.compare(want, have, withoutKey)).toEqual([changed]);
    expect(withoutKey.notes).toEqual([
      'actions terms: secrets.TERMS_URL not compared (DEPLOY_FINGERPRINT_KEY is not set here)',
    ]);
  });

  it('treats an Action deployed without fingerprints as unknown secrets to set', () => {
    const have = current(bundle, ['NEW', 'TERMS_URL']);
    if (!have) throw new Error('no current action');
    expect(actions.compare(desired, have, context())).toEqual([
      { path: 'secrets', note: 'values unknown (deployed without fingerprints), will be set: TERMS_URL, NEW' },
    ]);
  });
});

describe('keyword restoration (pull)', () => {
  const restore = restorer({
    AUTH0_DOMAIN: 'acme-dev.eu.auth0.com',
    WEB_CALLBACKS: ['https://www.dev.acme.example/callback'],
    TERMS_VERSION: '2026-01',
    SMTP_USER: 'auth0-dev',
  });

  it('puts whole values, lists and clearly delimited hosts back as markers', () => {
    expect(restore.value('2026-01')).toBe('##TERMS_VERSION##');
    expect(restore.value(['https://www.dev.acme.example/callback'])).toBe('@@WEB_CALLBACKS@@');
    expect(restore.value('https://acme-dev.eu.auth0.com/api/v2/')).toBe('https://##AUTH0_DOMAIN##/api/v2/');
    expect(restore.value({ nested: ['auth0-dev'] })).toEqual({ nested: ['##SMTP_USER##'] });
  });

  it('leaves short or generic values inside text alone', () => {
    expect(restore.value('release 2026-01-02')).toBe('release 2026-01-02');
    expect(restore.value('user auth0-dev2')).toBe('user auth0-dev2');
    expect(restore.value('https://xacme-dev.eu.auth0.com/')).toBe('https://xacme-dev.eu.auth0.com/');
  });
});

describe('tenant settings', () => {
  const compare = (desired: ValueObject, current: Record<string, number | string>) => {
    const ctx = context();
    const [want] = tenant.desired(desired, {
      tenantDir: '.',
      keywords: { mappings: {}, secretKeywords: new Set(), unsetSecrets: new Set() },
      bundles: new Map(),
    });
    const [have] = tenant.current(current, { clientNames: new Map(), ownClients: new Set() });
    if (!want || !have) throw new Error('one tenant resource per side');
    return tenant.compare(want, have, ctx);
  };

  it('are equal whether a lifetime reads back in hours or in minutes, whichever side writes which', () => {
    expect(
      compare(
        { session_lifetime: 168, idle_session_lifetime: 72 },
        { session_lifetime_in_minutes: 10080, idle_session_lifetime_in_minutes: 4320 },
      ),
    ).toEqual([]);
    expect(
      compare(
        { session_lifetime_in_minutes: 90, ephemeral_session_lifetime_in_minutes: 100 },
        { session_lifetime: 1.5, ephemeral_session_lifetime: 1.6667 },
      ),
    ).toEqual([]);
    expect(
      compare(
        { idle_ephemeral_session_lifetime: 2 },
        { idle_ephemeral_session_lifetime: 2, idle_ephemeral_session_lifetime_in_minutes: 120 },
      ),
    ).toEqual([]);
  });

  it('still show a real change, in hours', () => {
    expect(compare({ session_lifetime: 168 }, { session_lifetime_in_minutes: 60, friendly_name: 'x' })).toEqual([
      { path: 'session_lifetime', before: 1, after: 168 },
    ]);
  });
});

describe('renames', () => {
  const environment: ResolvedEnvironment = {
    name: 'dev',
    file: 'tenant/environments/dev.yaml',
    auth0Domain: 'acme-dev.eu.auth0.com',
    mappings: {},
    secretKeywords: new Set(),
    missingSecrets: [],
  };
  const web = { app_type: 'spa', callbacks: ['https://www.acme.example/cb'] };
  const plan = (
    desiredClients: ValueObject[],
    currentClients: JsonObject[],
    grants: { desired: ValueObject[]; current: JsonObject[] } = { desired: [], current: [] },
  ) => {
    const desired: DesiredState = {
      document: {},
      types: ['clients', 'clientGrants'],
      resources: new Map<ResourceType, DesiredResource[]>([
        ['clients', desiredClients.map((value) => ({ type: 'clients' as const, key: String(value.name), value }))],
        [
          'clientGrants',
          grants.desired.map((value) => ({
            type: 'clientGrants' as const,
            key: `${String(value.client_id)} → ${String(value.audience)}`,
            value,
          })),
        ],
      ]),
    };
    const current: CurrentState = {
      ledger: undefined,
      resources: new Map<ResourceType, CurrentResource[]>([
        ['clients', currentClients.map((value) => ({ type: 'clients' as const, key: String(value.name), value }))],
        [
          'clientGrants',
          grants.current.map((value) => ({
            type: 'clientGrants' as const,
            key: `${String(value.client_id)} → ${String(value.audience)}`,
            value,
          })),
        ],
      ]),
    };
    return comparePlan(environment, environment.auth0Domain, desired, current, undefined).changes.filter(
      (c) => c.kind !== 'unchanged',
    );
  };

  it('pair a create with the drift resource it differs from only by its identity (and its grants)', () => {
    const grant = { audience: 'https://api.acme.example', scope: ['read:profile'] };
    expect(
      plan([{ name: 'Shop', ...web }], [{ name: 'Web', ...web }], {
        desired: [{ client_id: 'Shop', ...grant }],
        current: [{ client_id: 'Web', ...grant }],
      }),
    ).toEqual([
      { type: 'clients', key: 'Shop', kind: 'create', fields: [], renamedFrom: 'Web' },
      { type: 'clients', key: 'Web', kind: 'drift', fields: [], renamedTo: 'Shop' },
      {
        type: 'clientGrants',
        key: 'Shop → https://api.acme.example',
        kind: 'create',
        fields: [],
        renamedFrom: 'Web → https://api.acme.example',
      },
      {
        type: 'clientGrants',
        key: 'Web → https://api.acme.example',
        kind: 'drift',
        fields: [],
        renamedTo: 'Shop → https://api.acme.example',
      },
    ]);
  });

  it('are not claimed when another field differs too, or when two candidates match', () => {
    expect(
      plan([{ name: 'Shop', ...web }], [{ name: 'Web', ...web, app_type: 'regular_web' }]).some(
        (c) => c.renamedFrom ?? c.renamedTo,
      ),
    ).toBe(false);
    expect(
      plan(
        [{ name: 'Shop', ...web }],
        [
          { name: 'Web', ...web },
          { name: 'Web 2', ...web },
        ],
      ).some((c) => c.renamedFrom ?? c.renamedTo),
    ).toBe(false);
  });
});
