import { buildActions, type BuildResult } from '../bundle';
import { IssueError, type Issue } from '../issues';
import { projectPaths, type ProjectPaths } from '../paths';
import { parseYaml } from '../yaml';
import {
  listEnvironments,
  loadEnvironmentFile,
  resolveEnvironment,
  type EnvironmentFile,
  type EnvVars,
  type ResolvedEnvironment,
} from './environments';
import { findKeywords, replaceKeywords, type KeywordValue } from './keywords';
import { loadTenantManifest, parseManifest, type TenantManifest } from './manifest';
import { accountService } from './rules/account-service';
import { actions } from './rules/actions';
import { appMetadata } from './rules/app-metadata';
import { clients } from './rules/clients';
import type { Rule, RuleContext } from './rules/context';
import { emailTemplates } from './rules/email-templates';
import { environmentFiles } from './rules/environments';
import { loadReferencedFiles, referencedFiles } from './rules/files';
import { keywords } from './rules/keywords';
import { secrets } from './rules/secrets';
import { triggers } from './rules/triggers';

const RULES: readonly Rule[] = [
  referencedFiles,
  keywords,
  secrets,
  actions,
  triggers,
  clients,
  emailTemplates,
  appMetadata,
  environmentFiles,
  accountService,
];

export interface CheckOptions {
  paths?: ProjectPaths;
  env: string;
  /** Where secret values are read from (only the variables the environment file names). */
  vars: EnvVars;
  /** Deploy: every secret must be set. Build and validate only need them declared. */
  requireSecrets: boolean;
}

export interface CheckResult {
  issues: Issue[];
  /** The in-memory build the checks ran on (absent if it failed); `npm run build` writes it. */
  build?: BuildResult;
  environment?: ResolvedEnvironment;
  /** What was checked, for the person running it (never a secret value). */
  notes: string[];
}

/** Everything `npm run validate` checks: tenant.yaml, the environment files, and the Action bundles. */
export async function checkTenant(options: CheckOptions): Promise<CheckResult> {
  const paths = options.paths ?? projectPaths();
  let manifest: TenantManifest;
  try {
    manifest = loadTenantManifest(paths.tenantFile);
  } catch (error) {
    return { issues: issuesOf(error), notes: [] };
  }

  const issues: Issue[] = [];
  const environments: EnvironmentFile[] = [];
  for (const name of listEnvironments(paths)) {
    try {
      environments.push(loadEnvironmentFile(paths, name));
    } catch (error) {
      issues.push(...issuesOf(error));
    }
  }
  let environment: ResolvedEnvironment;
  let build: BuildResult;
  try {
    environment = resolveEnvironment(paths, options.env, options.vars);
    build = await buildActions({
      paths,
      dependencies: Object.fromEntries(manifest.actions.map((a) => [a.name, a.dependencies])),
      write: false,
    });
  } catch (error) {
    return { issues: dedupe([...issues, ...issuesOf(error)]), notes: [] };
  }

  const built = new Map(build.actions.map((a) => [a.name, a]));
  const { resolved, issues: substitutionIssues } = resolve(manifest, environment);
  const ctx: RuleContext = {
    paths,
    manifest,
    resolved,
    environment,
    environments,
    built,
    loaded: loadReferencedFiles(paths, manifest, built),
    requireSecrets: options.requireSecrets,
  };
  issues.push(...substitutionIssues, ...RULES.flatMap((rule) => rule(ctx)));
  return { issues: dedupe(issues), build, environment, notes: notes(ctx, build) };
}

/**
 * tenant.yaml as deploy-cli will parse it for this environment. Secrets that are not set are
 * replaced by a placeholder so the structure can still be checked; error messages name the
 * keywords on the failing line, never their values.
 */
function resolve(
  manifest: TenantManifest,
  environment: ResolvedEnvironment,
): { resolved: RuleContext['resolved']; issues: Issue[] } {
  const placeholders: Record<string, KeywordValue> = Object.fromEntries(
    environment.missingSecrets.map((m) => [m.keyword, 'unset-secret']),
  );
  const text = replaceKeywords(manifest.yaml.text, { ...placeholders, ...environment.mappings });
  try {
    const yaml = parseYaml(manifest.yaml.file, text);
    return { resolved: { yaml, manifest: parseManifest(yaml) }, issues: [] };
  } catch (error) {
    const lines = manifest.yaml.text.split('\n');
    return {
      resolved: undefined,
      issues: issuesOf(error).map((issue) => {
        const used = findKeywords(lines[(issue.line ?? 1) - 1] ?? '').map((k) => k.name);
        return {
          file: issue.file,
          line: issue.line,
          col: issue.col,
          problem: `the YAML becomes invalid once the ${environment.name} values are substituted${used.length > 0 ? ` for ${[...new Set(used)].join(', ')}` : ''}`,
          fix: "check those values: quote the marker ('##X##'), keep ' and line breaks out of single-quoted values, use @@X@@ only where a list or JSON value belongs",
        };
      }),
    };
  }
}

function notes(ctx: RuleContext, build: BuildResult): string[] {
  const out: string[] = [];
  const bindings = new Map<string, string[]>();
  for (const b of ctx.manifest.bindings) bindings.set(b.trigger, [...(bindings.get(b.trigger) ?? []), b.actionName]);
  for (const [trigger, names] of bindings) out.push(`${trigger}: ${names.join(' → ')}`);
  for (const action of build.actions) {
    const used = action.scan.appMetadataKeys.join(', ') || '-';
    out.push(
      `${action.name}: ${(action.bytes / 1024).toFixed(1)} kB, sources ${action.sourceHash}, secrets read: ${action.scan.secrets.join(', ') || '-'}, app_metadata: ${used}`,
    );
  }
  if (!ctx.requireSecrets && ctx.environment.missingSecrets.length > 0) {
    out.push(
      `secrets not set here (a deploy needs them; --require-secrets checks): ${ctx.environment.missingSecrets.map((m) => m.envVar).join(', ')}`,
    );
  }
  return out;
}

function issuesOf(error: unknown): Issue[] {
  if (error instanceof IssueError) return [...error.issues];
  throw error;
}

/** One rule may reach the same fact twice (e.g. through two environments): report it once. */
function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = JSON.stringify([i.file, i.line, i.col, i.field, i.problem]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
