import { relative } from 'node:path';
import { formatIssue, IssueError } from '../issues';
import type { ProjectPaths } from '../paths';
import { checkTenant, resolveEnvironment, type EnvVars, type ResolvedEnvironment } from '../tenant';
import type { Target } from './target';

/**
 * Everything checked before a single request reaches the tenant: the target is the environment's
 * tenant, tenant.yaml and the Actions validate (keywords resolved, secrets declared), and, for a
 * deploy, every secret and the fingerprint key are set (a plan needs neither: CI plans run without).
 */

export const FINGERPRINT_KEY_VAR = 'DEPLOY_FINGERPRINT_KEY';

export class Refusal extends Error {
  constructor(readonly reasons: readonly string[]) {
    super(`refused before contacting the tenant:\n${reasons.map((r) => `  - ${r}`).join('\n')}`);
    this.name = 'Refusal';
  }
}

export interface Checked {
  environment: ResolvedEnvironment;
  /** This build's bundle code by Action name (built in memory, as validated). */
  bundles: ReadonlyMap<string, string>;
  /** Undefined only for a plan run without it (CI plans): secrets are then reported as not compared. */
  fingerprintKey: string | undefined;
}

export interface CheckInput {
  paths: ProjectPaths;
  env: string;
  /** Where secret values (and the fingerprint key) are read from: only the variables named. */
  vars: EnvVars;
  target: Target;
  /** Deploy: every secret must be set. A plan compares what it can and says what it could not. */
  requireSecrets: boolean;
  /** Where the environment really is, when its file names a default (the sandbox's port). */
  locate?: (environment: ResolvedEnvironment) => ResolvedEnvironment;
}

export async function preflight(input: CheckInput): Promise<Checked> {
  let environment: ResolvedEnvironment;
  try {
    const resolved = resolveEnvironment(input.paths, input.env, input.vars);
    environment = input.locate ? input.locate(resolved) : resolved;
  } catch (error) {
    if (error instanceof IssueError) throw new Refusal(error.issues.map((i) => formatIssue(i, input.paths.root)));
    throw error;
  }
  // First, and alone: validating prod's values against a dev tenant would only confuse.
  if (input.target.domain !== environment.auth0Domain) {
    throw new Refusal([
      `the target tenant ${input.target.domain} is not the ${input.env} tenant: ${relative(input.paths.root, environment.file)} says AUTH0_DOMAIN ${environment.auth0Domain} (wrong environment, or wrong AUTH0_DOMAIN)`,
    ]);
  }
  const reasons: string[] = [];
  const fingerprintKey = input.vars[FINGERPRINT_KEY_VAR] || undefined;
  if (fingerprintKey === undefined ? input.requireSecrets : fingerprintKey.length < 16) {
    reasons.push(
      `${FINGERPRINT_KEY_VAR} is not set (at least 16 characters; the same value wherever one environment is deployed or planned with secrets, see docs/deploy.md)`,
    );
  }
  if (input.requireSecrets) {
    for (const missing of environment.missingSecrets)
      reasons.push(`secret ${missing.keyword}: environment variable ${missing.envVar} is not set`);
  }
  const checked = await checkTenant({
    paths: input.paths,
    env: input.env,
    vars: input.vars,
    requireSecrets: input.requireSecrets,
  });
  // Missing secrets are already listed above, one line each.
  const missing = new Set(environment.missingSecrets.map((m) => m.envVar));
  const issues = checked.issues.filter(
    (i) => ![...missing].some((envVar) => i.problem.startsWith(`environment variable ${envVar} `)),
  );
  reasons.push(...issues.map((i) => formatIssue(i, input.paths.root)));
  if (reasons.length > 0 || !checked.build) throw new Refusal(reasons.length > 0 ? reasons : ['the build failed']);
  return { environment, bundles: new Map(checked.build.actions.map((a) => [a.name, a.code])), fingerprintKey };
}
