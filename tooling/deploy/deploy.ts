import type { ProjectPaths } from '../paths';
import type { EnvVars } from '../tenant';
import { fingerprinter, type Fingerprinter } from '../plan/fingerprints';
import { ManagementApiError, type Transport } from '../plan/management-api';
import { label, pendingChanges, type Plan } from '../plan/model';
import { computePlan, type PlanInput, type PlanResult } from '../plan/plan';
import { describeField } from '../plan/render/format';
import { runImport, type ImportRunner } from './deploy-cli';
import { preflight, Refusal, type CheckInput, type Checked } from './guards';
import { ledgerEntries, sameEntries, writeLedger } from './ledger';
import { describeFailure, failureOf, parseLog, redactor, summarise, type NamedSecret, type Redactor } from './output';
import { selectDeploy, stageDeploy, unresolvedKeywords, type Selection } from './staging';
import { deployClientIdOf, managementApi, type Target } from './target';

/**
 * `npm run deploy`: validate and build, plan, and only if something changed run the real
 * deploy-cli on exactly that (the changed types; only the changed Actions), hermetically. Then
 * plan again: a deploy that silently skipped something fails here.
 */

export interface DeployInput extends PlanTarget {
  allowDelete: boolean;
  /** Progress lines, already redacted. */
  log(line: string): void;
  /** The deploy-cli runner; tests may watch or replace it. */
  runImport?: ImportRunner;
}

export interface DeployResult {
  status: 'no-changes' | 'deployed';
  /** The plan the deploy acted on. */
  plan: Plan;
}

export class DeployError extends Error {
  override name = 'DeployError';
}

export interface PlanTarget {
  paths: ProjectPaths;
  env: string;
  vars: EnvVars;
  target: Target;
  locate?: CheckInput['locate'];
  transport?: Transport;
}

/** `npm run plan`: the guards (secrets need not be set: those are reported as not compared), then the plan. */
export async function planEnvironment(input: PlanTarget): Promise<PlanResult> {
  const checked = await preflight({ ...input, requireSecrets: false });
  return computePlan(planInput(input, checked));
}

function planInput(input: PlanTarget, checked: Checked): PlanInput {
  const api = managementApi(input.target, input.transport);
  return {
    environment: checked.environment,
    tenantFile: input.paths.tenantFile,
    bundles: checked.bundles,
    api,
    deployClientId: deployClientIdOf(input.target),
    fingerprintKey: checked.fingerprintKey,
  };
}

export async function deploy(input: DeployInput): Promise<DeployResult> {
  const checked = await preflight({ ...input, requireSecrets: true });
  const fingerprintKey = checked.fingerprintKey;
  // preflight refuses a deploy without the key; this narrows the type.
  if (fingerprintKey === undefined) throw new Refusal(['DEPLOY_FINGERPRINT_KEY is not set']);
  const fingerprint = fingerprinter(fingerprintKey);
  const redact = redactor(secretsOf(checked, fingerprintKey, input.target));
  const log = (line: string): void => input.log(redact(line));
  const planning = planInput(input, checked);

  const before = await computePlan(planning);
  const selection = selectDeploy(before.plan, input.allowDelete);
  if (selection.types.length === 0) {
    const drift = pendingChanges(before.plan).length;
    log(
      `No changes to deploy${drift > 0 ? ` (${drift} resources only in the tenant are left alone)` : ''}: deploy-cli not run.`,
    );
    return { status: 'no-changes', plan: before.plan };
  }

  await runDeployCli(input, checked, fingerprint, before, selection, redact, log);
  const entries = ledgerEntries(before.desired, fingerprint);
  if (Object.keys(entries).length > 0 && !sameEntries(before.current.ledger, entries))
    await writeLedger(planning.api, planning.deployClientId, entries);

  const after = await computePlan(planning);
  const left = pendingChanges(after.plan).filter((c) => input.allowDelete || c.kind !== 'drift');
  if (left.length > 0) {
    const lines = left.flatMap((c) => [`${c.kind} ${label(c)}`, ...c.fields.map((f) => `  ${describeField(f)}`)]);
    throw new DeployError(
      `deploy-cli succeeded but the tenant still differs from tenant.yaml:\n${lines.map((l) => `  ${l}`).join('\n')}`,
    );
  }
  log(`Deployed: the tenant now matches tenant.yaml for ${input.env}.`);
  return { status: 'deployed', plan: before.plan };
}

async function runDeployCli(
  input: DeployInput,
  checked: Checked,
  fingerprint: Fingerprinter,
  before: PlanResult,
  selection: Selection,
  redact: Redactor,
  log: (line: string) => void,
): Promise<void> {
  const staged = stageDeploy({ tenantFile: input.paths.tenantFile, selection, desired: before.desired, fingerprint });
  try {
    const unresolved = unresolvedKeywords(staged, checked.environment.mappings);
    if (unresolved.length > 0)
      throw new Refusal(
        unresolved.map((name) => `keyword ${name} has no value in ${input.env}: it would be deployed literally`),
      );
    const actions = selection.types.includes('actions')
      ? ` (Actions: ${[...selection.actions].join(', ') || 'none'})`
      : '';
    log(
      `Running deploy-cli import for ${selection.types.join(', ')}${actions}${input.allowDelete ? ', deletion ON' : ''}`,
    );
    const run = await (input.runImport ?? runImport)(input.target, {
      inputFile: staged.tenantFile,
      mappings: checked.environment.mappings,
      includedOnly: selection.types,
      allowDelete: input.allowDelete,
    });
    const entries = parseLog(redact(`${run.stdout}\n${run.stderr}`));
    for (const line of summarise(entries)) log(`  ${line}`);
    if (run.timedOut) throw new DeployError('deploy-cli did not finish within 10 minutes and was stopped');
    if (run.exitCode !== 0) {
      const failure = failureOf(entries) ?? {
        message: `deploy-cli exited with ${String(run.exitCode)} without an error message`,
      };
      if (/fetch failed|interceptors did not return/.test(failure.message)) failure.message = await diagnose(input);
      throw new DeployError(redact(describeFailure(failure)));
    }
    log(`deploy-cli finished in ${(run.durationMs / 1000).toFixed(1)} s`);
  } finally {
    staged.remove();
  }
}

/** deploy-cli only says "fetch failed": ask the tenant ourselves what is wrong. */
async function diagnose(input: DeployInput): Promise<string> {
  try {
    await managementApi(input.target, input.transport).get('/tenants/settings');
    return `deploy-cli could not reach the tenant ("fetch failed"), although https://${input.target.domain} answers now`;
  } catch (error) {
    return error instanceof ManagementApiError
      ? `deploy-cli could not reach the tenant: ${error.message}`
      : `deploy-cli could not reach the tenant ("fetch failed")`;
  }
}

/** Every value that must never be printed: the environment's secrets, the deploy credentials, the fingerprint key. */
function secretsOf(checked: Checked, fingerprintKey: string, target: Target): NamedSecret[] {
  const secrets: NamedSecret[] = [...checked.environment.secretKeywords].flatMap((name) => {
    const value = checked.environment.mappings[name];
    return typeof value === 'string' ? [{ name, value }] : [];
  });
  return [
    ...secrets,
    { name: 'AUTH0_CLIENT_SECRET', value: target.clientSecret },
    { name: 'DEPLOY_FINGERPRINT_KEY', value: fingerprintKey },
  ];
}
