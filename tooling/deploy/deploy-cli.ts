import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { KeywordMappings } from '../tenant';
import type { ResourceType } from '../plan/model';
import { TargetError, type Target } from './target';

/**
 * The real `a0deploy import|export`, hermetic: `--env=false` (otherwise every process variable becomes
 * a keyword and overrides the config), a config file written for this run only (mode 0600, removed
 * afterwards: it holds the client secret and the keyword values), and a child environment built
 * from scratch: PATH, HOME, and NODE_EXTRA_CA_CERTS: the caller's (a private CA in front of the
 * tenant) and the target's local one (the sandbox's), combined into one file when both are set.
 * The one way this project runs deploy-cli: `npm run deploy`, `npm start` and the tests.
 */

export type DeployCliCommand =
  | {
      command: 'import';
      inputFile: string;
      /** AUTH0_INCLUDED_ONLY; undefined: every type in the file. */
      includedOnly?: readonly ResourceType[];
      /** `--dry-run`: deploy-cli's own preview (GETs only). */
      dryRun?: boolean;
    }
  | { command: 'export'; outputFolder: string };

export interface DeployCliSettings {
  /** AUTH0_KEYWORD_REPLACE_MAPPINGS, given explicitly (the process environment is never merged). */
  mappings?: KeywordMappings;
  allowDelete?: boolean;
  /** SDK retries for 429/5xx (AUTH0_API_MAX_RETRIES; deploy-cli treats 0 as 10). Default 2. */
  apiMaxRetries?: number;
  /** deploy-cli's own 429 retries on writes (AUTH0_MAX_RETRIES). Default 1. */
  maxRetries?: number;
  /** Kill the child after this long. Default 10 minutes. */
  timeoutMs?: number;
  /** Stops deploy-cli when aborted; the run then rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface DeployCliResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Set when deploy-cli failed to reach the tenant: what actually went wrong (it only says "fetch failed"). */
  diagnosis?: string;
}

const DEPLOY_CLI = require.resolve('auth0-deploy-cli/lib/index.js');

export async function runDeployCli(
  target: Target,
  run: DeployCliCommand,
  settings: DeployCliSettings = {},
): Promise<DeployCliResult> {
  const workDir = mkdtempSync(join(tmpdir(), 'a0deploy-'));
  const configFile = join(workDir, 'config.json');
  const config = {
    AUTH0_DOMAIN: target.domain,
    AUTH0_CLIENT_ID: target.clientId,
    AUTH0_CLIENT_SECRET: target.clientSecret,
    AUTH0_KEYWORD_REPLACE_MAPPINGS: settings.mappings ?? {},
    AUTH0_ALLOW_DELETE: settings.allowDelete ?? false,
    ...(run.command === 'import' && run.includedOnly !== undefined ? { AUTH0_INCLUDED_ONLY: run.includedOnly } : {}),
    // Fail fast: the SDK otherwise retries a persistent 5xx for minutes (and treats 0 as 10).
    AUTH0_API_MAX_RETRIES: Math.max(1, settings.apiMaxRetries ?? 2),
    AUTH0_MAX_RETRIES: Math.max(1, settings.maxRetries ?? 1),
  };
  writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  const args =
    run.command === 'import'
      ? ['import', '--input_file', run.inputFile, ...(run.dryRun ? ['--dry-run'] : [])]
      : ['export', '--format', 'yaml', '--output_folder', run.outputFolder];
  try {
    const env = childEnvironment(target, process.env, workDir);
    const result = await spawnNode(
      [DEPLOY_CLI, ...args, '--config_file', configFile, '--env=false'],
      env,
      settings.timeoutMs ?? 10 * 60_000,
      settings.signal,
    );
    if (result.exitCode !== 0 && /fetch failed|interceptors did not return/.test(result.stdout + result.stderr)) {
      result.diagnosis = await diagnose(target, env.NODE_EXTRA_CA_CERTS);
    }
    return result;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * deploy-cli's environment, from scratch. Node reads a single NODE_EXTRA_CA_CERTS file (added to
 * the system roots, never replacing them): when the caller trusts a CA of its own and the target
 * has a local one, both go into one PEM in the run's folder.
 */
export function childEnvironment(target: Target, callerEnv: NodeJS.ProcessEnv, workDir: string): NodeJS.ProcessEnv {
  const caFiles = [
    ...new Set(
      [callerEnv.NODE_EXTRA_CA_CERTS, target.caPath].filter(
        (file): file is string => file !== undefined && file !== '',
      ),
    ),
  ];
  const pems = caFiles.map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new TargetError(
        `cannot read the CA certificates in ${file}${file === target.caPath ? '' : ' (NODE_EXTRA_CA_CERTS)'}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  });
  let extraCa = caFiles[0];
  if (caFiles.length > 1) {
    extraCa = join(workDir, 'extra-ca.pem');
    writeFileSync(extraCa, pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join(''), { mode: 0o600 });
  }
  return {
    PATH: callerEnv.PATH ?? '/usr/bin:/bin',
    HOME: workDir,
    ...(extraCa === undefined ? {} : { NODE_EXTRA_CA_CERTS: extraCa }),
  };
}

/** The import `npm run deploy` makes; injectable so tests can watch or replace deploy-cli. */
export interface ImportRun {
  inputFile: string;
  mappings: KeywordMappings;
  includedOnly?: readonly ResourceType[];
  allowDelete: boolean;
  dryRun?: boolean;
}

export type ImportRunner = (target: Target, run: ImportRun) => Promise<DeployCliResult>;

export const runImport: ImportRunner = (target, run) =>
  runDeployCli(
    target,
    { command: 'import', inputFile: run.inputFile, includedOnly: run.includedOnly, dryRun: run.dryRun },
    { mappings: run.mappings, allowDelete: run.allowDelete },
  );

function spawnNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<DeployCliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
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

/** Probes the tenant the way the child would (system roots plus the same extra CAs, TLS verification on) and names the failure. */
function diagnose(target: Target, extraCa: string | undefined): Promise<string> {
  const [host = target.domain, port = '443'] = target.domain.split(':');
  const trusted = extraCa === undefined ? 'the system roots' : `the system roots and ${extraCa}`;
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port: Number(port),
        path: '/.well-known/jwks.json',
        method: 'GET',
        ...(extraCa === undefined ? {} : { ca: [...rootCertificates, readFileSync(extraCa, 'utf8')] }),
        timeout: 5000,
      },
      (res) => {
        res.resume();
        resolve(
          `https://${target.domain} is reachable and trusted (HTTP ${res.statusCode}); the failure is elsewhere, see the output`,
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 5 s')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      resolve(
        code === 'ECONNREFUSED'
          ? `nothing listens on https://${target.domain} (ECONNREFUSED): is the sandbox running on that port?`
          : `cannot reach https://${target.domain}: ${code}${/CERT|SELF_SIGNED|VERIFY/.test(code) ? ` (the certificate is not trusted through ${trusted})` : ''}`,
      );
    });
    req.end();
  });
}
