import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeywordMappings } from '../tenant';
import type { ResourceType } from '../plan/model';
import type { Target } from './target';

/**
 * The real `a0deploy import`, hermetic: `--env=false` (otherwise every process variable becomes a
 * keyword and overrides the config), a config file written for this run only (mode 0600, removed
 * afterwards: it holds the client secret and the keyword values), and a child environment built
 * from scratch: PATH, HOME, and NODE_EXTRA_CA_CERTS when the tenant's CA is a local one.
 */

export interface ImportRun {
  inputFile: string;
  mappings: KeywordMappings;
  /** AUTH0_INCLUDED_ONLY; undefined: every type in the file. */
  includedOnly?: readonly ResourceType[];
  allowDelete: boolean;
  /** `--dry-run`: deploy-cli's own preview (GETs only). */
  dryRun?: boolean;
}

export interface DeployCliResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export type ImportRunner = (target: Target, run: ImportRun) => Promise<DeployCliResult>;

const DEPLOY_CLI = require.resolve('auth0-deploy-cli/lib/index.js');
const TIMEOUT_MS = 10 * 60_000;

export const runImport: ImportRunner = async (target, run) => {
  const workDir = mkdtempSync(join(tmpdir(), 'a0deploy-'));
  const configFile = join(workDir, 'config.json');
  const config = {
    AUTH0_DOMAIN: target.domain,
    AUTH0_CLIENT_ID: target.clientId,
    AUTH0_CLIENT_SECRET: target.clientSecret,
    AUTH0_KEYWORD_REPLACE_MAPPINGS: run.mappings,
    AUTH0_ALLOW_DELETE: run.allowDelete,
    ...(run.includedOnly === undefined ? {} : { AUTH0_INCLUDED_ONLY: run.includedOnly }),
    // Fail fast: the SDK otherwise retries a persistent 5xx for minutes (and treats 0 as 10).
    AUTH0_API_MAX_RETRIES: 2,
    AUTH0_MAX_RETRIES: 1,
  };
  writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  const args = [DEPLOY_CLI, 'import', '--input_file', run.inputFile, '--config_file', configFile, '--env=false', ...(run.dryRun ? ['--dry-run'] : [])];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workDir, ...(target.caPath === undefined ? {} : { NODE_EXTRA_CA_CERTS: target.caPath }) };
  try {
    return await spawnNode(args, env);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
};

function spawnNode(args: string[], env: NodeJS.ProcessEnv): Promise<DeployCliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, timedOut, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}
