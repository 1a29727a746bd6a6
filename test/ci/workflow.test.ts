import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { REPO_ROOT } from '../../tooling/paths';

// The GitHub Actions workflows cannot run here, so what can go wrong offline is checked: they parse,
// every command they run is an npm script of this repository, every secret they read is documented,
// and the deploy chain keeps its order and its approval gate.

type Step = { name?: string; if?: string; run?: string; uses?: string; env?: Record<string, string> };
type Job = {
  if?: string;
  needs?: string | string[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: unknown;
  environment?: string;
  concurrency?: { group?: string; 'cancel-in-progress'?: boolean };
  'timeout-minutes'?: number;
  env?: Record<string, string>;
  steps?: Step[];
};
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const DIR = join(REPO_ROOT, '.github', 'workflows');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const text = (file: string): string => readFileSync(join(DIR, file), 'utf8');
const workflows: Record<string, Workflow> = Object.fromEntries(
  files.map((file) => {
    const doc = parseDocument(text(file), { uniqueKeys: true });
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return [file, doc.toJS() as Workflow];
  }),
);
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);

/** The secrets docs/deploy.md lists under "CI secrets", plus every variable of tenant/.env.example. */
function documentedSecrets(): Set<string> {
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
  const section = docs.split(/^## CI secrets$/m)[1]?.split(/^## /m)[0] ?? '';
  const fromDocs = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1] ?? '');
  const fromEnvExample = [
    ...readFileSync(join(REPO_ROOT, 'tenant', '.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm),
  ].map((m) => m[1] ?? '');
  return new Set([...fromDocs, ...fromEnvExample]);
}

function runnerSteps(): Step[] {
  return workflows['tenant-run.yml']?.jobs.run?.steps ?? [];
}

describe('GitHub Actions workflows', () => {
  it('exist and parse as YAML (no duplicate keys)', () => {
    expect(files.sort()).toEqual(['tenant-run.yml', 'tenant.yml']);
  });

  it('only run npm commands that exist: built-ins npm ci / npm test, or scripts of package.json', () => {
    const runs = Object.values(workflows).flatMap((w) =>
      Object.values(w.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? '')),
    );
    const commands = runs.flatMap((run) =>
      [...run.matchAll(/\bnpm\s+(run\s+)?([\w:-]+)/g)].map((m) => (m[1] ? `run ${m[2]}` : (m[2] ?? ''))),
    );
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      if (command.startsWith('run ')) expect(scripts, command).toContain(command.slice(4));
      else expect(['ci', 'test'], `npm ${command}`).toContain(command);
    }
    expect(commands).toEqual(expect.arrayContaining(['ci', 'test', 'run build', 'run plan', 'run deploy']));
  });

  it('read only documented secrets, and hand every secret a deploy needs to the deploy step', () => {
    const documented = documentedSecrets();
    const used = new Set(
      files.flatMap((file) => [...text(file).matchAll(/\bsecrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '')),
    );
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
    const deployStep = runnerSteps().find((s) => s.name === 'deploy');
    expect(Object.keys(deployStep?.env ?? {}).sort()).toEqual([...documented].sort());
    for (const name of documented) expect(deployStep?.env?.[name]).toBe(`$${'{{'} secrets.${name} }}`);
    expect(workflows['tenant-run.yml']?.jobs.run?.env?.AUTH0_DOMAIN).toBe('${{ vars.AUTH0_DOMAIN }}');
  });

  // Pull-request plans run the pull request's code (npm ci's install scripts included): they must
  // hold nothing that writes to a tenant or reveals a secret.
  it('scope secrets to the one step that needs them: never the job, never the install, only the read-only client for a plan', () => {
    const job = workflows['tenant-run.yml']?.jobs.run;
    expect(JSON.stringify(job?.env ?? {})).not.toMatch(/secrets\./);
    const steps = runnerSteps();
    const withSecrets = steps.filter((s) => JSON.stringify(s).includes('secrets.')).map((s) => s.name);
    expect(withSecrets.sort()).toEqual(['deploy', 'plan']);
    expect(steps.find((s) => s.run?.includes('npm ci'))?.env).toBeUndefined();
    const plan = steps.find((s) => s.name === 'plan');
    const planSecrets = Object.entries(plan?.env ?? {})
      .filter(([, value]) => value.includes('secrets.'))
      .map(([name]) => name);
    expect(planSecrets.sort()).toEqual(['AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET']);
    expect(plan?.if).toBe('${{ !inputs.deploy }}');
    // The plan's reader is not the deploy client: it names it, so the ledger is read from it alone.
    expect(plan?.env?.AUTH0_DEPLOY_CLIENT_ID).toBe('${{ vars.AUTH0_DEPLOY_CLIENT_ID }}');
    expect(steps.find((s) => s.name === 'deploy')?.if).toBe('${{ inputs.deploy }}');
  });

  it('pass no secrets from the caller: plans and the drift check get only their <env>-plan environment', () => {
    for (const [name, job] of Object.entries(workflows['tenant.yml']?.jobs ?? {}))
      expect(job.secrets, name).toBeUndefined();
    for (const file of files) expect(workflows[file]?.permissions, file).toEqual({ contents: 'read' });
  });

  it('pin every third-party action by commit SHA (with its version as a comment)', () => {
    const lines = files.flatMap((file) =>
      text(file)
        .split('\n')
        .filter((line) => /^\s*-?\s*uses:/.test(line))
        .map((line) => ({ file, line: line.trim() })),
    );
    const external = lines.filter(({ line }) => !/uses:\s*\.\//.test(line));
    expect(external.length).toBeGreaterThan(0);
    for (const { file, line } of external)
      expect(line, file).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  });

  it('bound every job in time', () => {
    for (const file of files) {
      for (const [name, job] of Object.entries(workflows[file]?.jobs ?? {})) {
        // A job calling a reusable workflow cannot set a timeout: the called jobs do.
        if (job.uses) continue;
        expect(job['timeout-minutes'], `${file} ${name}`).toBeGreaterThan(0);
        expect(job['timeout-minutes'], `${file} ${name}`).toBeLessThanOrEqual(60);
      }
    }
  });

  it('share one concurrency group per tenant between plan and deploy, never cancelling a run', () => {
    const job = workflows['tenant-run.yml']?.jobs.run;
    expect(job?.concurrency).toEqual({ group: 'tenant-${{ inputs.tenant-env }}', 'cancel-in-progress': false });
  });

  it('call the reusable workflow with inputs it declares, every required one given', () => {
    const callee = workflows['tenant-run.yml'];
    const inputs = (callee?.on.workflow_call as { inputs: Record<string, { required?: boolean }> }).inputs;
    for (const [name, job] of Object.entries(workflows['tenant.yml']?.jobs ?? {})) {
      if (!job.uses) continue;
      expect(existsSync(join(REPO_ROOT, job.uses)), `${name} uses ${job.uses}`).toBe(true);
      const given = Object.keys(job.with ?? {});
      expect(
        given.filter((key) => !(key in inputs)),
        name,
      ).toEqual([]);
      expect(
        Object.entries(inputs)
          .filter(([key, i]) => i.required && !given.includes(key))
          .map(([key]) => key),
        name,
      ).toEqual([]);
    }
  });

  it('deploy dev, then staging, then prod, each from its own GitHub environment, only from main', () => {
    const jobs = workflows['tenant.yml']?.jobs ?? {};
    expect(jobs['deploy-dev']?.if).toContain("github.ref == 'refs/heads/main'");
    expect(jobs['deploy-dev']?.needs).toBe('test');
    expect(jobs['deploy-staging']?.needs).toBe('deploy-dev');
    expect(jobs['deploy-prod']?.needs).toBe('deploy-staging');
    for (const env of ['dev', 'staging', 'prod'])
      expect(jobs[`deploy-${env}`]?.with).toEqual({ 'tenant-env': env, 'github-env': env, deploy: true });
    // Plans (pull requests, the drift check) use the read-only <env>-plan environments, never a deploy's.
    for (const job of [jobs.plan, jobs.drift]) expect(job?.with?.['github-env']).toBe('${{ matrix.env }}-plan');
    expect(workflows['tenant.yml']?.on).toHaveProperty('schedule');
  });
});
