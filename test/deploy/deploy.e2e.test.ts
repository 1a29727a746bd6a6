import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { deploy, DeployError, planEnvironment, type DeployInput } from '../../tooling/deploy/deploy';
import { runImport, type ImportRun, type ImportRunner } from '../../tooling/deploy/deploy-cli';
import { preflight } from '../../tooling/deploy/guards';
import { managementApi } from '../../tooling/deploy/target';
import { LEDGER_METADATA_KEY } from '../../tooling/plan/fingerprints';
import { label, pendingChanges, planExitCode, type Plan } from '../../tooling/plan/model';
import { pullTenant } from '../../tooling/plan/pull';
import { renderMarkdown } from '../../tooling/plan/render/markdown';
import { renderTerminal } from '../../tooling/plan/render/terminal';
import { secretValues, startTestTenant, writes, type TestTenant } from './helpers';

// The acceptance scenario of plan / deploy / pull against one sandbox, in order. deploy-cli costs
// ~30-45 s of CPU per import, so this file runs exactly three: the first deploy, the deploy of one
// changed Action, and a deploy that the sandbox makes fail. Everything else must not need it.

const DEPLOY_CLI_TIMEOUT = 240_000;

let t: TestTenant;
const logs: string[] = [];
const imports: ImportRun[] = [];

/** The real deploy-cli, recording what it was asked to do. */
const recordingImport: ImportRunner = (target, run) => {
  imports.push(run);
  return runImport(target, run);
};
const noDeployCli: ImportRunner = () => {
  throw new Error('deploy-cli must not run');
};

function input(overrides: Partial<DeployInput> = {}): DeployInput {
  return {
    paths: t.copy.paths,
    env: 'sandbox',
    vars: t.vars,
    target: t.target,
    allowDelete: false,
    log: (line) => logs.push(line),
    runImport: recordingImport,
    ...overrides,
  };
}

async function plan(vars = t.vars): Promise<Plan> {
  return (await planEnvironment({ paths: t.copy.paths, env: 'sandbox', vars, target: t.target })).plan;
}

function pending(p: Plan): string[] {
  return pendingChanges(p).map((c) => `${c.kind} ${label(c)}`);
}

function versions(): Record<string, number | undefined> {
  return Object.fromEntries(t.sandbox.store.actions.list().map((a) => [a.name, a.deployed_version?.number]));
}

function expectNoSecrets(text: string, extra: Record<string, string> = {}): void {
  for (const value of secretValues(t, extra)) expect(text).not.toContain(value);
}

beforeAll(async () => {
  t = await startTestTenant();
});

afterAll(async () => {
  await t?.close();
});

describe.sequential('plan, deploy and drift against the sandbox', () => {
  test('plan on an empty tenant lists creates, and reads without writing', async () => {
    const p = await plan();
    const byKind = (kind: string): string[] => p.changes.filter((c) => c.kind === kind).map(label);
    expect(byKind('create')).toEqual(
      expect.arrayContaining([
        'clients Customer Web App',
        'clients Profile SPA',
        'resourceServers https://profile-api.sandbox.acme.example',
        'actions gate-apps',
        'actions prompt-account-linking',
        'actions enforce-terms',
        'actions override-profile',
        'databases customers',
        'connections google-oauth2',
        'emailProvider',
        'emailTemplates verify_email',
        'triggers post-login',
        'clientGrants Account Linking M2M → https://' + t.sandbox.domain + '/api/v2/',
      ]),
    );
    // A new tenant has settings and attack protection already, and the linking client was created up front.
    expect(byKind('update').sort()).toEqual(['attackProtection', 'clients Account Linking M2M', 'tenant']);
    // The deploy client, the global client and the Management API are Auth0's or the tool's own: no drift.
    expect(byKind('drift')).toEqual([]);
    expect(planExitCode(p)).toBe(2);
    expect(writes(t.requests)).toEqual([]);
    const shown = renderTerminal(p, { colour: false }) + renderMarkdown(p);
    expect(shown).toContain('+ actions gate-apps');
    expectNoSecrets(shown);
  });

  test(
    'deploy creates everything, records fingerprints, and plan then says no changes',
    async () => {
      const result = await deploy(input());
      expect(result.status).toBe('deployed');
      expect(imports).toHaveLength(1);
      expect(imports[0]?.allowDelete).toBe(false);
      expect(Object.values(versions())).toEqual([1, 1, 1, 1]);
      // Deployed code = the bundle plus one fingerprint line; the write-only SMTP password is in the ledger.
      const linking = t.sandbox.store.actions
        .deployedBindings('post-login')
        .find((b) => b.name === 'prompt-account-linking');
      expect(linking?.code.trimEnd().split('\n').at(-1)).toMatch(
        /^\/\/# secrets: LINKING_COOLDOWN_DAYS=[0-9a-f]{16},LINKING_URL=/,
      );
      const deployClient = t.sandbox.store.clients.get(t.target.clientId);
      expect(deployClient?.client_metadata?.[LEDGER_METADATA_KEY]).toMatch(
        /^GOOGLE_CLIENT_SECRET=[0-9a-f]{16},SMTP_PASSWORD=[0-9a-f]{16}$/,
      );
      expect(pending(await plan())).toEqual([]);
      expectNoSecrets(logs.join('\n'));
    },
    DEPLOY_CLI_TIMEOUT,
  );

  test('with no changes, deploy says so and never starts deploy-cli; plan exits 0', async () => {
    t.requests.length = 0;
    logs.length = 0;
    const result = await deploy(input({ runImport: noDeployCli }));
    expect(result.status).toBe('no-changes');
    expect(logs.join('\n')).toMatch(/No changes to deploy: deploy-cli not run/);
    expect(writes(t.requests)).toEqual([]);
    expect(planExitCode(result.plan)).toBe(0);
  });

  test(
    'a changed Action: plan shows only it, deploy re-deploys only it',
    async () => {
      t.copy.edit('actions/override-profile/index.ts', (text) =>
        text.replace('ignored invalid user_metadata:', 'ignored invalid user_metadata fields:'),
      );
      const p = await plan();
      expect(pending(p)).toEqual(['update actions override-profile']);
      expect(pendingChanges(p)[0]?.fields.map((f) => f.path)).toEqual(['code']);
      expect(pendingChanges(p)[0]?.fields[0]?.note).toMatch(
        /^changed \(sources [0-9a-f]{16} → sources [0-9a-f]{16}\)$/,
      );

      await deploy(input());
      expect(imports.at(-1)?.includedOnly).toEqual(['actions']);
      expect(versions()).toEqual({
        'gate-apps': 1,
        'prompt-account-linking': 1,
        'enforce-terms': 1,
        'override-profile': 2,
      });
      expect(pending(await plan())).toEqual([]);
    },
    DEPLOY_CLI_TIMEOUT,
  );

  test('a changed secret: plan names it, never its value', async () => {
    const changed = {
      ...t.vars,
      TENANT_TERMS_SESSION_TOKEN_SECRET: 'a-new-session-token-secret-value-9876543210',
      TENANT_SMTP_PASSWORD: 'a-new-smtp-password',
    };
    const p = await plan(changed);
    expect(pending(p).sort()).toEqual(['update actions enforce-terms', 'update emailProvider']);
    const fields = pendingChanges(p).flatMap((c) => c.fields.map((f) => `${label(c)}: ${f.path}: ${f.note ?? ''}`));
    expect(fields.sort()).toEqual([
      'actions enforce-terms: secrets.SESSION_TOKEN_SECRET: secret changed',
      'emailProvider: credentials.smtp_pass: secret SMTP_PASSWORD changed',
    ]);
    expect(
      pendingChanges(p)
        .flatMap((c) => c.fields)
        .every((f) => f.before === undefined && f.after === undefined),
    ).toBe(true);
    expectNoSecrets(renderTerminal(p, { colour: true }) + renderMarkdown(p) + JSON.stringify(p), changed);
  });

  test(
    'a failing deploy names the resource and the Management API message, secrets redacted',
    async () => {
      const changed = { ...t.vars, TENANT_TERMS_SESSION_TOKEN_SECRET: 'a-new-session-token-secret-value-9876543210' };
      t.sandbox.faults.set([
        {
          method: 'PATCH',
          path: '/api/v2/actions/actions/*',
          status: 400,
          times: 'always',
          message: "Payload validation error: 'Invalid secret' on property secrets.",
        },
      ]);
      logs.length = 0;
      try {
        const error = await deploy(input({ vars: changed })).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DeployError);
        expect((error as Error).message).toMatch(
          /^actions (enforce-terms|prompt-account-linking): update failed: 400 Payload validation error: 'Invalid secret' on property secrets\.$/,
        );
        expectNoSecrets(`${(error as Error).message}\n${logs.join('\n')}`, changed);
      } finally {
        t.sandbox.faults.set([]);
      }
      expect(imports.at(-1)?.includedOnly).toEqual(['actions']);
      expect(pending(await plan())).toEqual([]);
    },
    DEPLOY_CLI_TIMEOUT,
  );

  test("a change behind the tool's back is drift: plan exits 2, pull shows it as a YAML diff", async () => {
    const api = managementApi(t.target);
    const web = t.sandbox.store.clients.list().find((c) => c.name === 'Customer Web App');
    await api.patch(`/clients/${web?.client_id ?? ''}`, { description: 'edited in the dashboard' });
    t.sandbox.store.clients.create({
      name: 'Rogue App',
      app_type: 'spa',
      callbacks: [`https://${t.sandbox.domain}/cb`],
    });
    const p = await plan();
    expect(pending(p)).toEqual(['update clients Customer Web App', 'drift clients Rogue App']);
    expect(pendingChanges(p)[0]?.fields).toEqual([
      { path: 'description', before: 'edited in the dashboard', after: 'Customer-facing web application' },
    ]);
    expect(planExitCode(p)).toBe(2);

    const out = mkdtempSync(join(tmpdir(), 'pull-test-'));
    try {
      const checked = await preflight({
        paths: t.copy.paths,
        env: 'sandbox',
        vars: t.vars,
        target: t.target,
        requireSecrets: false,
      });
      const pulled = await pullTenant({
        environment: checked.environment,
        tenantFile: t.copy.paths.tenantFile,
        bundles: checked.bundles,
        api,
        deployClientId: t.target.clientId,
        outDir: out,
      });
      const original = readFileSync(t.copy.paths.tenantFile, 'utf8').split('\n');
      const written = readFileSync(join(out, 'tenant.yaml'), 'utf8').split('\n');
      const removed = original.filter((line) => !written.includes(line));
      const added = written.filter((line) => !original.includes(line));
      expect(removed).toEqual(['    description: Customer-facing web application']);
      expect(added[0]).toBe('    description: edited in the dashboard');
      const rogue = (parse(written.join('\n')) as { clients: { name: string; callbacks: string[] }[] }).clients.find(
        (c) => c.name === 'Rogue App',
      );
      // The environment's values become keywords again.
      expect(rogue?.callbacks).toEqual(['https://##AUTH0_DOMAIN##/cb']);
      expect(pulled.notes).toContain('clients: 1 only in the tenant (appended): Rogue App');
      expect(readFileSync(join(out, 'actions', 'override-profile.js'), 'utf8')).not.toMatch(/\/\/# secrets:/);
      expectNoSecrets(readFileSync(join(out, 'tenant.yaml'), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('a deploy that silently did nothing is caught by the plan that follows it', async () => {
    const error = await deploy(
      input({ runImport: async () => ({ exitCode: 0, timedOut: false, stdout: '', stderr: '', durationMs: 1 }) }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeployError);
    expect((error as Error).message).toMatch(
      /still differs from tenant.yaml:\n {2}update clients Customer Web App\n {4}description: "edited in the dashboard" → "Customer-facing web application"/,
    );
  });
});
