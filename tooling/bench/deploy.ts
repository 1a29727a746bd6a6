import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../local/sandbox';
import { buildActions } from '../bundle';
import { deploy, planEnvironment } from '../deploy/deploy';
import { runImport, type DeployCliResult } from '../deploy/deploy-cli';
import type { Target } from '../deploy/target';
import { pendingChanges } from '../plan/model';
import { projectPaths, REPO_ROOT } from '../paths';
import { keywordText, resolveEnvironment } from '../tenant';
import { printLocalAuth0 } from './local-auth0';
import { table } from './stats';

/** Fresh secret values for a throwaway sandbox. */
const random = (): string => randomBytes(24).toString('base64url');

/**
 * Plan and no-op deploy against deploy-cli on the same deployed tenant, from one run: a fresh
 * sandbox, one deploy, then `plan` vs `a0deploy import --dry-run`, and a no-op `deploy` vs a plain
 * `a0deploy import` (last: it re-deploys every Action). About three deploy-cli imports of CPU.
 */
export async function benchDeploy(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bench-deploy-'));
  const sandbox = await startSandbox({ stateDir: join(root, 'state'), port: 0 });
  try {
    // A copy of the project whose sandbox environment names this sandbox's port.
    for (const part of ['tenant', 'actions', 'package-lock.json'])
      cpSync(join(REPO_ROOT, part), join(root, part), { recursive: true });
    const paths = projectPaths(root);
    const envFile = join(paths.environmentsDir, 'sandbox.yaml');
    writeFileSync(
      envFile,
      readFileSync(envFile, 'utf8').replace(/AUTH0_DOMAIN: .*/, `AUTH0_DOMAIN: ${sandbox.domain}`),
    );
    await buildActions({ paths }); // the plain deploy-cli runs read tenant.yaml's ../dist/actions bundles
    const linking = sandbox.store.clients.create({
      name: 'Account Linking M2M',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    });
    const vars = {
      TENANT_LINKING_SESSION_TOKEN_SECRET: random(),
      TENANT_TERMS_SESSION_TOKEN_SECRET: random(),
      TENANT_MGMT_CLIENT_ID: linking.client_id,
      TENANT_MGMT_CLIENT_SECRET: linking.client_secret ?? '',
      TENANT_GOOGLE_CLIENT_SECRET: random(),
      TENANT_SMTP_PASSWORD: random(),
      DEPLOY_FINGERPRINT_KEY: random(),
    };
    const target: Target = {
      domain: sandbox.domain,
      clientId: sandbox.deployClient.client_id,
      clientSecret: sandbox.deployClient.client_secret,
      caPath: sandbox.caPath,
    };
    const base = { paths, env: 'sandbox', vars, target, allowDelete: false, log: () => undefined };
    const mappings = resolveEnvironment(paths, 'sandbox', vars).mappings;
    const a0deploy = async (dryRun: boolean): Promise<number> =>
      checked(await runImport(target, { inputFile: paths.tenantFile, mappings, allowDelete: false, dryRun }));

    await deploy(base);
    const planMs = await timed(async () => {
      if (pendingChanges((await planEnvironment(base)).plan).length > 0)
        throw new Error('the deployed tenant should plan clean');
    });
    const dryRunMs = await a0deploy(true);
    const noopMs = await timed(async () => {
      if ((await deploy(base)).status !== 'no-changes') throw new Error('the second deploy should change nothing');
    });
    const importMs = await a0deploy(false);

    console.log('\n## Deploy: plan and no-op deploy vs deploy-cli (same deployed sandbox tenant, one run)\n');
    console.log(
      table([
        {
          measure: 'plan (validate, build, read tenant, compare)',
          ms: planMs.toFixed(0),
          'deploy-cli equivalent': 'import --dry-run',
          'its ms': dryRunMs.toFixed(0),
          ratio: `${(dryRunMs / planMs).toFixed(1)}x faster`,
        },
        {
          measure: 'no-op deploy (guards, plan, skip)',
          ms: noopMs.toFixed(0),
          'deploy-cli equivalent': 'import',
          'its ms': importMs.toFixed(0),
          ratio: `${(importMs / noopMs).toFixed(1)}x faster`,
        },
      ]),
    );
    console.log(
      '\n(wall times; deploy-cli figures include its process start; the plan runs in-process, `npm run plan` adds ~1 s of ts-node start)',
    );

    await printLocalAuth0(sandbox, keywordText(mappings.TERMS_VERSION ?? ''));
  } finally {
    await sandbox.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function checked(result: DeployCliResult): number {
  if (result.exitCode !== 0)
    throw new Error(`deploy-cli failed (exit ${String(result.exitCode)}):\n${result.stdout.slice(-2000)}`);
  return result.durationMs;
}
