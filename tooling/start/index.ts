// The main job on the sandbox (npm start): see runStart, and README "The local sandbox tenant".
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { writeBundles } from '../bundle';
import { formatIssue } from '../issues';
import { projectPaths, REPO_ROOT } from '../paths';
import { ProgressDisplay } from '../progress';
import { checkTenant, keywordText, type KeywordValue } from '../tenant';
import {
  actionsRun,
  caFetch,
  claimsTable,
  DEFAULT_PORT,
  formatRequestLogEntry,
  HOST,
  isManagementApiRequest,
  SandboxClient,
  startSandbox,
  type Sandbox,
} from '../../local/sandbox';
import { accountOrigin, startSandboxAccountService, type SandboxAccountService } from '../account-service/sandbox';
import { runDeployCli } from '../deploy/deploy-cli';
import { demoUserPassword, sandboxDeployment } from '../deploy/sandbox-environment';
import { runJourneys, SEEDED, seedUsers, WEB_APP, type JourneyResult } from './journeys';

const TOTAL_STEPS = 6;
const tty = Boolean(process.stdout.isTTY);

/**
 * Ctrl-C (or SIGTERM) stops deploy-cli at once and the rest after the current step, so that the
 * sandbox closes its database and deploy-cli's run removes its config file (it holds the deploy
 * client's secret). A second signal exits immediately.
 */
export class Stopped extends Error {}
let stopSignal: NodeJS.Signals | undefined;
let onStop: (() => void) | undefined;
const stopping = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopSignal) process.exit(130);
    stopSignal = signal;
    console.log(`\n${signal}: stopping (again to exit at once)`);
    stopping.abort();
    onStop?.();
  });
}

function checkpoint(): void {
  if (stopSignal) throw new Stopped();
}

function step(number: number, title: string): () => void {
  const started = Date.now();
  console.log(`\n[${number}/${TOTAL_STEPS}] ${title}`);
  return () => console.log(`      done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Elapsed seconds while `work` runs: a ticking line on a terminal, otherwise a line at the start, every 10 s and at the end. */
async function withProgress<T>(label: string, work: Promise<T>): Promise<T> {
  const progress = new ProgressDisplay(process.stdout, {
    line: ({ elapsedMs }) => `      ${label}: ${Math.round(elapsedMs / 1000)} s`,
    ttyEveryMs: 1000,
    plainEveryMs: 10_000,
    clearOnStop: true,
  });
  progress.start(0);
  try {
    return await work;
  } finally {
    progress.stop();
  }
}

/**
 * Checked before the state folder is reset, so a sandbox still running there keeps its database.
 * `holder`: who may hold the port; `variable`: what moves it.
 */
function assertPortFree(port: number, holder: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${HOST} is in use (${holder}?): stop it, or run with ${variable}=<another port>`)
          : error,
      ),
    );
    probe.listen(port, HOST, () => probe.close(() => resolve()));
  });
}

function printJourney(index: number, result: JourneyResult): void {
  console.log(`\n  ${result.ok ? 'ok  ' : 'FAIL'} ${index + 1}. ${result.name}`);
  for (const line of result.steps) console.log(`         ${line}`);
  if (result.final) {
    console.log(`         Actions run: ${actionsRun(result.final)}`);
    console.log(`         Management API calls by the Actions: ${result.managementCalls}`);
    if (result.final.outcome === 'allowed') {
      console.log('         ID token claims:');
      for (const line of claimsTable(result.final.claims, '           ')) console.log(line);
    }
  }
  for (const problem of result.problems) console.log(`         problem: ${problem}`);
}

export interface StartOptions {
  /** Exit after the journeys instead of keeping the sandbox running (always so without a terminal). */
  exit: boolean;
  port: number;
  /** The account service's (ACCOUNT_PORT). */
  accountPort: number;
  /** The sandbox's SMTP ingress, where the account service sends its emails (SANDBOX_SMTP_PORT). */
  smtpPort: number;
}

/**
 * `npm start`: build and validate, start a fresh sandbox tenant, deploy tenant/tenant.yaml with the
 * real deploy-cli, seed users, run the main journeys. Resolves to the exit code (0: every journey
 * ended as expected); rejects with `Stopped` after Ctrl-C.
 */
export async function runStart(options: StartOptions): Promise<number> {
  const stay = tty && !options.exit;
  const { port, accountPort, smtpPort } = options;
  const paths = projectPaths();
  const startedAt = Date.now();

  let done = step(1, 'Build and validate the Actions and tenant/ (--env sandbox)');
  const check = await checkTenant({ paths, env: 'sandbox', vars: {}, requireSecrets: false });
  if (check.issues.length > 0 || !check.build) {
    for (const issue of check.issues) console.error(`      ${formatIssue(issue, paths.root)}`);
    console.error(`      ${check.issues.length} problem(s): fix them and run npm start again`);
    return 1;
  }
  writeBundles(paths.distDir, check.build.actions);
  console.log(
    `      ${check.build.actions.map((a) => `${a.name} ${(a.bytes / 1024).toFixed(1)} kB`).join(', ')}; no problems`,
  );
  done();

  checkpoint();
  done = step(2, `Start the sandbox tenant on https://${HOST}:${port} (fresh tenant; CA and keys kept)`);
  await assertPortFree(port, 'a sandbox from an earlier npm start or npm run sandbox', 'SANDBOX_PORT');
  await assertPortFree(accountPort, 'an account service from an earlier npm start or npm run account', 'ACCOUNT_PORT');
  await assertPortFree(smtpPort, 'a sandbox from an earlier npm start or npm run sandbox', 'SANDBOX_SMTP_PORT');
  let managementCalls = 0;
  let echoRequests = false;
  const sandbox: Sandbox = await startSandbox({
    port,
    smtpPort,
    reset: 'tenant',
    log: (entry) => {
      if (isManagementApiRequest(entry)) managementCalls += 1;
      if (echoRequests) console.log(`${new Date().toISOString()} ${formatRequestLogEntry(entry)}`);
    },
  });
  console.log(
    `      state folder ${relative(REPO_ROOT, sandbox.stateDir) || sandbox.stateDir}, CA ${relative(REPO_ROOT, sandbox.caPath)}`,
  );
  done();

  let account: SandboxAccountService | undefined;
  const sandboxFetch = caFetch(readFileSync(sandbox.caPath));
  try {
    done = step(3, 'Deploy tenant/tenant.yaml with the real auth0-deploy-cli 8.44 (takes ~45 s)');
    const deployment = await sandboxDeployment(sandbox, paths, accountOrigin(accountPort));
    console.log(`      created "Account Linking M2M" first: its credentials are the linking Action's secrets`);
    const deploying = runDeployCli(
      deployment.target,
      { command: 'import', inputFile: paths.tenantFile },
      { mappings: deployment.mappings, signal: stopping.signal },
    );
    const result = await withProgress(
      'deploying',
      deploying.catch((error: unknown) => {
        checkpoint();
        throw error;
      }),
    );
    checkpoint();
    if (result.exitCode !== 0) {
      console.error(
        `      deploy-cli failed (exit ${String(result.exitCode)}${result.timedOut ? ', timed out' : ''}) after ${Math.round(result.durationMs / 1000)} s`,
      );
      if (result.diagnosis) console.error(`      ${result.diagnosis}`);
      console.error(
        (result.stdout + result.stderr)
          .trim()
          .split('\n')
          .slice(-25)
          .map((line) => `      | ${line}`)
          .join('\n'),
      );
      return 1;
    }
    const bindings = sandbox.store.actions.deployedBindings('post-login');
    console.log(
      `      deployed in ${Math.round(result.durationMs / 1000)} s; post-login: ${bindings.map((b) => `${b.name} v${b.versionNumber}`).join(' → ')}`,
    );
    done();

    checkpoint();
    done = step(4, `Start the account service (account/) on ${accountOrigin(accountPort)}`);
    account = await startSandboxAccountService({ sandbox, port: accountPort });
    console.log(
      `      configured from the sandbox: its domain, the pages' secrets it generated, the "Account Service" clients it issued`,
    );
    done();

    done = step(5, 'Seed users');
    const client = new SandboxClient({ domain: sandbox.domain, caPath: sandbox.caPath });
    const token = await client.managementToken(sandbox.deployClient);
    const termsVersion = keywordText(deployment.mappings.TERMS_VERSION ?? '');
    const context = {
      client,
      token,
      termsVersion,
      password: demoUserPassword(sandbox.stateDir),
      managementCalls: () => managementCalls,
      pages: {
        link: keywordText(deployment.mappings.LINKING_URL ?? ''),
        terms: keywordText(deployment.mappings.TERMS_URL ?? ''),
      },
      sandboxFetch: sandboxFetch.fetch,
    };
    const users = await seedUsers(context);
    console.log(`      ${SEEDED.existing} (${users.existing}): database account, verified email, nothing accepted yet`);
    console.log(
      `      ${SEEDED.returning} (${users.returning}): accepted terms ${termsVersion}, linking already checked`,
    );
    console.log(`      ${SEEDED.blocked} (${users.blocked}): blocked from the Customer Web App`);
    console.log(
      `      their password is in ${relative(REPO_ROOT, join(sandbox.stateDir, 'demo-password'))} (generated for this sandbox, never printed)`,
    );
    done();

    checkpoint();
    done = step(6, "Journeys: logins through the deployed Actions and the account service's pages");
    const results = await runJourneys(context, users);
    results.forEach((result, index) => printJourney(index, result));
    const failed = results.filter((result) => !result.ok).length;
    console.log(`\n      ${results.length - failed} of ${results.length} journeys ended as expected`);
    done();
    console.log(`\nnpm start took ${Math.round((Date.now() - startedAt) / 1000)} s`);
    const webCallbacks: readonly KeywordValue[] = [deployment.mappings.WEB_CALLBACKS ?? []].flat();
    printBrowserLinks(sandbox, keywordText(webCallbacks[0] ?? ''));

    if (!stay) return failed === 0 ? 0 : 1;
    printRunning(sandbox, account);
    echoRequests = true;
    await new Promise<void>((resolve) => {
      onStop = resolve;
      if (stopSignal) resolve();
    });
    return 0;
  } finally {
    sandboxFetch.close();
    await account?.close();
    await sandbox.close();
  }
}

/**
 * Where a person takes over in a browser (which must trust the sandbox's CA): a login to the
 * Customer Web App, whose callback (a local app that is not running) shows the code in the address
 * bar, and the outbox of the emails the tenant sent.
 */
function printBrowserLinks(sandbox: Sandbox, callback: string): void {
  const webApp = sandbox.store.clients.list().find((client) => client.name === WEB_APP);
  if (!webApp || !callback) return;
  const login = new URL('/authorize', sandbox.url);
  login.search = new URLSearchParams({
    client_id: webApp.client_id,
    redirect_uri: callback,
    response_type: 'code',
    scope: 'openid profile email',
    state: randomBytes(8).toString('hex'),
  }).toString();
  console.log(
    [
      '',
      `  Log in (browser)  ${login.toString()}`,
      `  Outbox            ${sandbox.url}/sandbox/outbox (user: the deploy client id, password: its secret, both in ${relative(REPO_ROOT, sandbox.deployClient.credentialsPath)})`,
      `  CA certificate    ${relative(REPO_ROOT, sandbox.caPath)} (trust it in the browser first)`,
    ].join('\n'),
  );
}

function printRunning(sandbox: Sandbox, account: SandboxAccountService): void {
  const portEnv = sandbox.port === DEFAULT_PORT ? '' : `SANDBOX_PORT=${sandbox.port} `;
  console.log(
    [
      '',
      `The sandbox keeps running on ${sandbox.url}, and the account service on ${account.url} (Ctrl-C stops both).`,
      `  Profile          ${account.url}/profile (sign in with a seeded user)`,
      `  Actions' pages   ${account.url}/link and ${account.url}/terms (reached through a login's redirect URL)`,
      `  CA certificate   ${relative(REPO_ROOT, sandbox.caPath)} (a browser must trust it for the sandbox's pages)`,
      `  Log in           ${portEnv}npm run login -- --user ${SEEDED.returning} --client "Customer Web App" --connection customers`,
      `                   ${portEnv}npm run login -- --client "Customer Web App" --connection google-oauth2 --google-profile '{"sub":"1","email":"new@example.com","email_verified":true}'`,
      "                   (seeded users' password: docs/sandbox.md)",
      '  Requests are logged below (method, path, status, time; never bodies).',
    ].join('\n'),
  );
}
