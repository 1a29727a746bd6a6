import { describe, expect, it } from 'vitest';
import { compareFields, type CompareContext } from '../../tooling/plan/diff';
import { fingerprinter, formatEntries, KEYWORD_SCOPE, parseEntries, splitFingerprintLine, withFingerprintLine } from '../../tooling/plan/fingerprints';
import { actions } from '../../tooling/plan/handlers/actions';
import { tenant } from '../../tooling/plan/handlers/tenant';
import { SecretValue, type ValueObject } from '../../tooling/plan/model';
import { restorer } from '../../tooling/plan/restore';

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
    expect(splitFingerprintLine(staged)).toEqual({ code, fingerprints: { A: 'aaaaaaaaaaaaaaaa', B: 'bbbbbbbbbbbbbbbb' } });
    expect(splitFingerprintLine(withFingerprintLine(code, {}))).toEqual({ code, fingerprints: {} });
    expect(splitFingerprintLine(code)).toEqual({ code, fingerprints: undefined });
    // A malformed line is not trusted (and stays part of the code, which then differs).
    expect(splitFingerprintLine(`${code}//# secrets: A=nothex\n`).fingerprints).toBeUndefined();
    expect(parseEntries(formatEntries({ X: '0123456789abcdef' }))).toEqual({ X: '0123456789abcdef' });
  });
});

describe('field comparison', () => {
  it('compares only the fields tenant.yaml sets, nested ones included', () => {
    const desired: ValueObject = { name: 'App', flags: { a: true }, callbacks: ['https://x/cb'] };
    const current = { name: 'App', flags: { a: false, unmanaged: true }, callbacks: ['https://x/cb'], created_by_auth0: 1 };
    expect(compareFields(desired, current, context())).toEqual([{ path: 'flags.a', before: false, after: true }]);
    expect(compareFields({ description: 'new' }, {}, context())).toEqual([{ path: 'description', after: 'new' }]);
  });

  it('never puts a secret value into a change: readable ones are compared, write-only ones through the ledger', () => {
    const secret = new SecretValue(['SMTP_PASSWORD'], 'new-password');
    const desired: ValueObject = { credentials: { smtp_pass: secret } };
    const ledgerFor = (value: string) => ({ SMTP_PASSWORD: fingerprint(KEYWORD_SCOPE, 'SMTP_PASSWORD', value) });
    expect(compareFields(desired, { credentials: {} }, context(ledgerFor('new-password')))).toEqual([]);
    expect(compareFields(desired, { credentials: {} }, context(ledgerFor('old-password')))).toEqual([{ path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD changed' }]);
    expect(compareFields(desired, { credentials: {} }, context())).toEqual([{ path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD: unknown (Auth0 does not return it), will be set' }]);
    expect(compareFields(desired, { credentials: { smtp_pass: 'old-password' } }, context())).toEqual([{ path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD changed' }]);
    // A whole object missing in the tenant is listed leaf by leaf, so the secret stays a note.
    expect(compareFields(desired, {}, context())).toEqual([{ path: 'credentials.smtp_pass', note: 'secret SMTP_PASSWORD: unknown (Auth0 does not return it), will be set' }]);
  });

  it('reports a write-only secret as not compared when the plan runs without the fingerprint key', () => {
    const ctx = { ...context({ SMTP_PASSWORD: fingerprint(KEYWORD_SCOPE, 'SMTP_PASSWORD', 'x') }), fingerprint: undefined };
    expect(compareFields({ smtp_pass: new SecretValue(['SMTP_PASSWORD'], 'x') }, {}, ctx)).toEqual([]);
    expect(ctx.notes).toEqual(['smtp_pass: SMTP_PASSWORD not compared (DEPLOY_FINGERPRINT_KEY is not set here)']);
  });

  it('reports a secret that is not set where the plan runs as a note, not a change', () => {
    const ctx = context();
    expect(compareFields({ client_secret: new SecretValue(['GOOGLE_CLIENT_SECRET'], undefined) }, { client_secret: 'x' }, ctx)).toEqual([]);
    expect(ctx.notes).toEqual(['client_secret: GOOGLE_CLIENT_SECRET is not set here, so it was not compared']);
  });

  it('refuses to serialise a secret at all', () => {
    expect(() => JSON.stringify({ v: new SecretValue(['S'], 'value') })).toThrow(/refusing to serialise the secret S/);
  });
});

describe('Action comparison', () => {
  const bundle = '// Auth0 Action terms | sources sha256:aaaaaaaaaaaaaaaa | generated\nexports.onExecutePostLogin = async () => {};\n';
  const desired = {
    type: 'actions' as const,
    key: 'terms',
    value: {
      code: bundle,
      runtime: 'node22',
      dependencies: [],
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      deployed: true,
      secrets: [{ name: 'TERMS_URL', value: new SecretValue(['TERMS_URL'], 'https://a') }, { name: 'NEW', value: new SecretValue(['NEW'], 'n') }],
    },
  };
  const current = (code: string, secrets: string[]) => actions.current([{ name: 'terms', code, runtime: 'node22', dependencies: [], supported_triggers: [{ id: 'post-login', version: 'v3' }], secrets: secrets.map((name) => ({ name, updated_at: 'x' })), all_changes_deployed: true }], { clientNames: new Map(), ownClients: new Set() })[0];

  it('sees code changes by sources hash, secret changes by fingerprint, added and removed secrets by name', () => {
    const deployed = withFingerprintLine(bundle.replace('aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'), { TERMS_URL: fingerprint('terms', 'TERMS_URL', 'https://old'), OLD: fingerprint('terms', 'OLD', 'o') });
    const have = current(deployed, ['OLD', 'TERMS_URL']);
    if (!have) throw new Error('no current action');
    expect(actions.compare(desired, have, context())).toEqual([
      { path: 'code', note: 'changed (sources bbbbbbbbbbbbbbbb → sources aaaaaaaaaaaaaaaa)' },
      { path: 'secrets.TERMS_URL', note: 'secret changed' },
      { path: 'secrets.NEW', note: 'secret added' },
      { path: 'secrets.OLD', note: 'secret removed' },
    ]);
  });

  it('treats an Action deployed without fingerprints as unknown secrets to set', () => {
    const have = current(bundle, ['NEW', 'TERMS_URL']);
    if (!have) throw new Error('no current action');
    expect(actions.compare(desired, have, context())).toEqual([{ path: 'secrets', note: 'values unknown (deployed without fingerprints), will be set: TERMS_URL, NEW' }]);
  });
});

describe('keyword restoration (pull)', () => {
  const restore = restorer({ AUTH0_DOMAIN: 'acme-dev.eu.auth0.com', WEB_CALLBACKS: ['https://www.dev.acme.example/callback'], TERMS_VERSION: '2026-01', SMTP_USER: 'auth0-dev' });

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
    const [want] = tenant.desired(desired, { tenantDir: '.', keywords: { mappings: {}, secretKeywords: new Set(), unsetSecrets: new Set() }, bundles: new Map() });
    const [have] = tenant.current(current, { clientNames: new Map(), ownClients: new Set() });
    if (!want || !have) throw new Error('one tenant resource per side');
    return tenant.compare(want, have, ctx);
  };

  it('are equal whether a lifetime reads back in hours or in minutes, whichever side writes which', () => {
    expect(compare({ session_lifetime: 168, idle_session_lifetime: 72 }, { session_lifetime_in_minutes: 10080, idle_session_lifetime_in_minutes: 4320 })).toEqual([]);
    expect(compare({ session_lifetime_in_minutes: 90, ephemeral_session_lifetime_in_minutes: 100 }, { session_lifetime: 1.5, ephemeral_session_lifetime: 1.6667 })).toEqual([]);
    expect(compare({ idle_ephemeral_session_lifetime: 2 }, { idle_ephemeral_session_lifetime: 2, idle_ephemeral_session_lifetime_in_minutes: 120 })).toEqual([]);
  });

  it('still show a real change, in hours', () => {
    expect(compare({ session_lifetime: 168 }, { session_lifetime_in_minutes: 60, friendly_name: 'x' })).toEqual([{ path: 'session_lifetime', before: 1, after: 168 }]);
  });
});
