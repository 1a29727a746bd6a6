import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { deploy, planEnvironment, type DeployInput } from '../../tooling/deploy/deploy';
import type { ImportRunner } from '../../tooling/deploy/deploy-cli';
import { Refusal } from '../../tooling/deploy/guards';
import { replaceOnce, tenantCopy } from '../tenant/helpers';
import { FINGERPRINT_KEY, secretValues, startTestTenant, writes, type TestTenant } from './helpers';

// Each refusal happens before a single request reaches the tenant: the sandbox's request log stays
// empty (not even a token request) and deploy-cli is never started.

let t: TestTenant;
const neverRun: ImportRunner = () => {
  throw new Error('deploy-cli must not run');
};

function input(overrides: Partial<DeployInput> = {}): DeployInput {
  return {
    paths: t.copy.paths,
    env: 'sandbox',
    vars: t.vars,
    target: t.target,
    allowDelete: false,
    log: () => undefined,
    runImport: neverRun,
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Refusal);
  const message = (error as Refusal).message;
  for (const value of secretValues(t)) expect(message).not.toContain(value);
  return message;
}

beforeAll(async () => {
  t = await startTestTenant();
});

beforeEach(() => {
  t.requests.length = 0;
});

afterAll(async () => {
  await t?.close();
});

describe('deploy refuses before touching the tenant', () => {
  test('when a required secret is missing (named by variable, never a value)', async () => {
    const { TENANT_SMTP_PASSWORD: _unset, ...vars } = t.vars;
    const message = await refusal(deploy(input({ vars })));
    expect(message).toContain('secret SMTP_PASSWORD: environment variable TENANT_SMTP_PASSWORD is not set');
    expect(t.requests).toEqual([]);
  });

  test('when the fingerprint key is missing', async () => {
    const { DEPLOY_FINGERPRINT_KEY: _unset, ...vars } = t.vars;
    expect(await refusal(deploy(input({ vars })))).toContain('DEPLOY_FINGERPRINT_KEY is not set');
    expect(t.requests).toEqual([]);
  });

  test('when a keyword has no value in the environment', async () => {
    const copy = tenantCopy();
    copy.edit('tenant/environments/sandbox.yaml', (text) =>
      text.replace('AUTH0_DOMAIN: 127.0.0.1:8443', `AUTH0_DOMAIN: ${t.sandbox.domain}`),
    );
    copy.edit('tenant/tenant.yaml', (text) =>
      replaceOnce(text, 'description: Customer-facing web application', "description: '##SHOP_NAME## web application'"),
    );
    const message = await refusal(deploy(input({ paths: copy.paths })));
    expect(message).toMatch(/##SHOP_NAME## has no value in the sandbox environment/);
    expect(t.requests).toEqual([]);
  });

  test('when validation fails', async () => {
    const copy = tenantCopy();
    copy.edit('tenant/environments/sandbox.yaml', (text) =>
      text.replace('AUTH0_DOMAIN: 127.0.0.1:8443', `AUTH0_DOMAIN: ${t.sandbox.domain}`),
    );
    copy.edit('tenant/tenant.yaml', (text) =>
      replaceOnce(
        text,
        '- {action_name: gate-apps, display_name: gate-apps}',
        '- {action_name: gate-apps, display_name: gate-apps}\n    - {action_name: gate-apps, display_name: again}',
      ),
    );
    expect(await refusal(deploy(input({ paths: copy.paths })))).toMatch(/triggers/);
    expect(t.requests).toEqual([]);
  });

  test("when the target is not the environment's tenant: dev values to the sandbox, sandbox values to prod", async () => {
    const devVars = { ...t.vars };
    expect(await refusal(deploy(input({ env: 'dev', vars: devVars })))).toContain(
      `the target tenant ${t.sandbox.domain} is not the dev tenant: tenant/environments/dev.yaml says AUTH0_DOMAIN acme-dev.eu.auth0.com`,
    );
    const prod = { ...t.target, domain: 'acme-prod.eu.auth0.com' };
    expect(await refusal(deploy(input({ target: prod })))).toContain(
      'the target tenant acme-prod.eu.auth0.com is not the sandbox tenant',
    );
    expect(t.requests).toEqual([]);
  });

  test('plan runs without any secret nor the fingerprint key (CI plans hold only a read-only client)', async () => {
    const { plan } = await planEnvironment({ paths: t.copy.paths, env: 'sandbox', vars: {}, target: t.target });
    expect(plan.changes.map((c) => c.type)).toContain('actions');
    expect(writes(t.requests)).toEqual([]);
  });

  test('plan refuses a fingerprint key too short to be one', async () => {
    expect(
      await refusal(
        planEnvironment({
          paths: t.copy.paths,
          env: 'sandbox',
          vars: { DEPLOY_FINGERPRINT_KEY: 'short' },
          target: t.target,
        }),
      ),
    ).toContain('DEPLOY_FINGERPRINT_KEY is not set (at least 16 characters');
  });

  test('plan refuses a wrong target the same way (it would compare the wrong values)', async () => {
    expect(
      await refusal(
        planEnvironment({
          paths: t.copy.paths,
          env: 'prod',
          vars: { DEPLOY_FINGERPRINT_KEY: FINGERPRINT_KEY },
          target: t.target,
        }),
      ),
    ).toContain('is not the prod tenant');
    expect(t.requests).toEqual([]);
  });
});
