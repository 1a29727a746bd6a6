import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildActions } from '../../tooling/bundle';
import { selectDeploy, stageDeploy, unresolvedKeywords, type StagedDeploy } from '../../tooling/deploy/staging';
import { fingerprinter, publicFingerprint } from '../../tooling/plan/fingerprints';
import type { Plan, ResourceChange } from '../../tooling/plan/model';
import { desiredState, type DesiredState } from '../../tooling/plan/plan';
import { projectPaths } from '../../tooling/paths';
import { resolveEnvironment, type ResolvedEnvironment } from '../../tooling/tenant';
import { ALL_SECRETS } from '../tenant/helpers';

const paths = projectPaths();
const fingerprint = fingerprinter('staging-test-fingerprint-key');
let environment: ResolvedEnvironment;
let desired: DesiredState;
const staged: StagedDeploy[] = [];

function plan(...changes: Omit<ResourceChange, 'fields'>[]): Plan {
  return { environment: 'sandbox', domain: 'x', changes: changes.map((c) => ({ ...c, fields: [] })), notes: [] };
}

function stage(types: Plan): StagedDeploy {
  const s = stageDeploy({ tenantFile: paths.tenantFile, selection: selectDeploy(types, false), desired, fingerprint });
  staged.push(s);
  return s;
}

beforeAll(async () => {
  environment = resolveEnvironment(paths, 'sandbox', ALL_SECRETS);
  const build = await buildActions({ write: false });
  desired = desiredState(environment, paths.tenantFile, new Map(build.actions.map((a) => [a.name, a.code])));
});

afterAll(() => {
  for (const s of staged) s.remove();
});

describe('what a deploy includes', () => {
  it('only the types with a change, and only the changed Actions', () => {
    const selection = selectDeploy(
      plan(
        { type: 'actions', key: 'gate-apps', kind: 'unchanged' },
        { type: 'actions', key: 'enforce-terms', kind: 'update' },
        { type: 'clients', key: 'Rogue', kind: 'drift' },
        { type: 'emailTemplates', key: 'verify_email', kind: 'create' },
      ),
      false,
    );
    expect(selection).toEqual({
      types: ['actions', 'emailTemplates'],
      actions: new Set(['enforce-terms']),
      emptyTriggers: [],
    });
  });

  it('with deletion on, a type with drift goes whole, every Action included, so only what left tenant.yaml is deleted', () => {
    const selection = selectDeploy(
      plan(
        { type: 'actions', key: 'gate-apps', kind: 'unchanged' },
        { type: 'actions', key: 'enforce-terms', kind: 'update' },
        { type: 'actions', key: 'old-action', kind: 'drift' },
        { type: 'clients', key: 'Rogue', kind: 'drift' },
        { type: 'triggers', key: 'credentials-exchange', kind: 'drift' },
      ),
      true,
    );
    expect(selection).toEqual({
      types: ['clients', 'actions', 'triggers'],
      actions: new Set(['gate-apps', 'enforce-terms']),
      emptyTriggers: ['credentials-exchange'],
    });
    const s = stageDeploy({ tenantFile: paths.tenantFile, selection, desired, fingerprint });
    staged.push(s);
    const yaml = parse(readFileSync(s.tenantFile, 'utf8')) as { triggers: Record<string, unknown[]> };
    expect(Object.keys(yaml.triggers)).toEqual(['post-login', 'credentials-exchange']);
    expect(yaml.triggers['credentials-exchange']).toEqual([]);
  });
});

describe('the staged folder deploy-cli imports', () => {
  it('holds tenant.yaml cut to the selection, the Action code with its fingerprint line, paths made local', () => {
    const s = stage(plan({ type: 'actions', key: 'enforce-terms', kind: 'update' }));
    const yaml = parse(readFileSync(s.tenantFile, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(yaml)).toEqual(['actions']);
    const [action] = yaml.actions as { name: string; code: string; secrets: { name: string; value: string }[] }[];
    expect(action?.name).toBe('enforce-terms');
    expect(action?.code).toBe('./actions/enforce-terms.js');
    // Keywords stay markers: deploy-cli substitutes them, no value is written to disk.
    expect(action?.secrets.find((x) => x.name === 'SESSION_TOKEN_SECRET')?.value).toBe(
      '##TERMS_SESSION_TOKEN_SECRET##',
    );
    const code = readFileSync(join(s.dir, 'actions', 'enforce-terms.js'), 'utf8');
    // Action secret name → the keyword tenant.yaml fills it with.
    // A secret keyword: keyed fingerprint; a keyword that is no secret: unkeyed (a plan without the key compares it).
    const keyed = (name: string, keyword: string): string =>
      `${name}=${fingerprint('enforce-terms', name, String(environment.mappings[keyword]))}`;
    const unkeyed = (name: string): string =>
      `${name}=${publicFingerprint('enforce-terms', name, String(environment.mappings[name]))}`;
    const expected = [
      keyed('SESSION_TOKEN_SECRET', 'TERMS_SESSION_TOKEN_SECRET'),
      unkeyed('TERMS_GRACE_UNTIL'),
      unkeyed('TERMS_URL'),
      unkeyed('TERMS_VERSION'),
    ].join(',');
    expect(code.endsWith(`\n//# secrets: ${expected}\n`)).toBe(true);
    expect(readFileSync(s.tenantFile, 'utf8')).toContain('# Code is the bundle'); // comments kept
    for (const value of Object.values(ALL_SECRETS))
      expect(readFileSync(s.tenantFile, 'utf8') + code).not.toContain(value);
    expect(statSync(s.dir).mode & 0o777).toBe(0o700);
    expect(statSync(s.tenantFile).mode & 0o777).toBe(0o600);
  });

  it('copies the email bodies next to tenant.yaml', () => {
    const s = stage(plan({ type: 'emailTemplates', key: 'verify_email', kind: 'update' }));
    const yaml = parse(readFileSync(s.tenantFile, 'utf8')) as { emailTemplates: { template: string; body: string }[] };
    expect(yaml.emailTemplates.map((t) => t.body)).toEqual(
      yaml.emailTemplates.map((t) => `./emailTemplates/${t.template}.html`),
    );
    expect(yaml.emailTemplates.every((t) => existsSync(join(s.dir, t.body)))).toBe(true);
  });

  it('finds a keyword left without a value after substitution (the last guard before deploy-cli)', () => {
    const s = stage(
      plan(
        { type: 'tenant', key: '', kind: 'update' },
        { type: 'actions', key: 'prompt-account-linking', kind: 'update' },
      ),
    );
    expect(unresolvedKeywords(s, environment.mappings)).toEqual([]);
    const { SUPPORT_URL: _a, MGMT_CLIENT_SECRET: _b, ...partial } = environment.mappings;
    expect(unresolvedKeywords(s, partial)).toEqual(['MGMT_CLIENT_SECRET', 'SUPPORT_URL']);
  });
});
