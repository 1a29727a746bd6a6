import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STATE_DIR } from '../../local/sandbox';
import { projectPaths, type ProjectPaths } from '../paths';
import type { EnvVars, ResolvedEnvironment } from '../tenant';
import { ManagementApiError } from '../plan/management-api';
import { planExitCode } from '../plan/model';
import { pullTenant } from '../plan/pull';
import { renderMarkdown } from '../plan/render/markdown';
import { renderTerminal } from '../plan/render/terminal';
import { deploy, DeployError, planEnvironment } from './deploy';
import { preflight, Refusal } from './guards';
import { followSandbox, localSandboxVars, sandboxTarget, sandboxVars } from './sandbox';
import { deployClientIdOf, managementApi, TargetError, targetFromVars, type Target } from './target';

/**
 * `npm run plan|pull|deploy -- --env <name>` (default sandbox). For `sandbox` the target is the
 * local sandbox (its state folder); for any other environment AUTH0_DOMAIN, AUTH0_CLIENT_ID,
 * AUTH0_CLIENT_SECRET, DEPLOY_FINGERPRINT_KEY and the environment's secret variables come from the
 * process environment (the CI secret store). Exit codes: 0 done / no changes, 2 (plan) changes or
 * drift, 1 refused or failed.
 */

interface Context {
  paths: ProjectPaths;
  env: string;
  target: Target;
  vars: EnvVars;
  locate?: (environment: ResolvedEnvironment) => ResolvedEnvironment;
}

function context(env: string, processEnv: EnvVars): Context {
  const paths = projectPaths();
  if (env !== 'sandbox') return { paths, env, target: targetFromVars(processEnv), vars: processEnv };
  const target = sandboxTarget(DEFAULT_STATE_DIR, processEnv.SANDBOX_PORT);
  return { paths, env, target, vars: {}, locate: (environment) => followSandbox(environment, target) };
}

/**
 * Sandbox only: its secrets, the linking client's credentials among them, which only the sandbox
 * knows: read (or, for a deploy, created) once the guards pass, so that a refusal sends no request.
 */
async function withSandboxVars(ctx: Context, create: boolean): Promise<Context> {
  if (ctx.env !== 'sandbox') return ctx;
  await preflight({ ...ctx, vars: localSandboxVars(DEFAULT_STATE_DIR), requireSecrets: false });
  return { ...ctx, vars: await sandboxVars(DEFAULT_STATE_DIR, ctx.target, managementApi(ctx.target), { create }) };
}

export async function planCommand(argv: string[], processEnv: EnvVars): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { env: { type: 'string', default: 'sandbox' }, format: { type: 'string', default: 'terminal' } },
    strict: true,
  });
  if (values.format !== 'terminal' && values.format !== 'markdown')
    throw new TargetError('--format is terminal or markdown');
  const { plan } = await planEnvironment(await withSandboxVars(context(values.env, processEnv), false));
  process.stdout.write(
    values.format === 'markdown'
      ? renderMarkdown(plan)
      : renderTerminal(plan, { colour: process.stdout.isTTY === true && !processEnv.NO_COLOR }),
  );
  if (processEnv.GITHUB_STEP_SUMMARY) appendFileSync(processEnv.GITHUB_STEP_SUMMARY, renderMarkdown(plan));
  return planExitCode(plan);
}

export async function pullCommand(argv: string[], processEnv: EnvVars): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { env: { type: 'string', default: 'sandbox' }, out: { type: 'string' } },
    strict: true,
  });
  if (!values.out)
    throw new TargetError('--out <folder> is required: where to write tenant.yaml and the files it loads');
  const ctx = await withSandboxVars(context(values.env, processEnv), false);
  const checked = await preflight({ ...ctx, requireSecrets: false });
  const pulled = await pullTenant({
    environment: checked.environment,
    tenantFile: ctx.paths.tenantFile,
    bundles: checked.bundles,
    api: managementApi(ctx.target),
    deployClientId: deployClientIdOf(ctx.target),
    outDir: resolve(values.out),
  });
  for (const line of pulled.notes) console.log(line);
  console.log(`Wrote ${pulled.files.length} files to ${resolve(values.out)}`);
  return 0;
}

export async function deployCommand(argv: string[], processEnv: EnvVars): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { env: { type: 'string', default: 'sandbox' }, 'allow-delete': { type: 'boolean', default: false } },
    strict: true,
  });
  const ctx = await withSandboxVars(context(values.env, processEnv), true);
  const result = await deploy({ ...ctx, allowDelete: values['allow-delete'], log: (line) => console.log(line) });
  if (processEnv.GITHUB_STEP_SUMMARY) appendFileSync(processEnv.GITHUB_STEP_SUMMARY, renderMarkdown(result.plan));
  return 0;
}

/** Runs a command as a script: known failures print their message only; exit codes as documented. */
export function main(command: (argv: string[], processEnv: EnvVars) => Promise<number>): void {
  command(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const known =
        error instanceof Refusal ||
        error instanceof DeployError ||
        error instanceof TargetError ||
        error instanceof ManagementApiError;
      console.error(known ? error.message : error);
      process.exit(1);
    },
  );
}
