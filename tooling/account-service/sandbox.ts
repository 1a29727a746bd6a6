import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { ACCOUNT_DEFAULT_PORT, buildAccountApp, readAccountConfig, type AccountConfig } from '../../account';
import { HOST, readDeployClient, SandboxClient, statePaths } from '../../local/sandbox';
import { SANDBOX_SECRETS_FILE } from '../deploy/sandbox-environment';
import { projectPaths } from '../paths';
import { bumpedVersion } from '../start/journeys';
import { keywordText, resolveEnvironment, type KeywordValue } from '../tenant';

/**
 * The account service (account/) run next to a local sandbox tenant, in this process: what
 * `npm start` does after the deploy and `npm run account` does against a sandbox already running.
 * Its configuration is the sandbox's: the session token secrets the sandbox generated and deployed
 * into the Actions, and the `Account Service` clients as the sandbox issued them when deploy-cli
 * created them (read through the Management API with the sandbox's deploy client, as an operator
 * would copy them; never printed).
 */

/** tenant.yaml's clients of the service: their secrets are issued by the tenant on creation. */
export const ACCOUNT_CLIENT = 'Account Service';
export const ACCOUNT_M2M_CLIENT = 'Account Service M2M';

type Env = Readonly<Record<string, string | undefined>>;

export interface SandboxAccountInput {
  /** The running sandbox: `127.0.0.1:<port>`, its CA, its state folder and its SMTP ingress (`smtp://…`). */
  sandbox: { domain: string; caPath: string; stateDir: string; smtpUrl: string };
  /** The service's port (ACCOUNT_PORT, default 8444). */
  port: number;
  /** Variables of docs/account.md that win over the sandbox's (e.g. the caller's environment). */
  overrides?: Env;
}

/** ACCOUNT_PORT as a port number, or the service's default when unset. */
export function accountPort(env: Env): number {
  const text = env.ACCOUNT_PORT?.trim();
  if (text === undefined || text === '') return ACCOUNT_DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`ACCOUNT_PORT must be a port number (1-65535), got "${text}"`);
  return port;
}

/** `http://127.0.0.1:<port>`: the service's origin on loopback (sandbox.yaml's pages and callbacks follow it). */
export function accountOrigin(port: number): string {
  return `http://${HOST}:${port}`;
}

/** The page secrets the sandbox generated (tooling/deploy/sandbox-environment.ts); never creates one. */
function readPageSecrets(stateDir: string): { terms: string; linking: string } {
  const file = join(statePaths(stateDir).dir, SANDBOX_SECRETS_FILE);
  const parsed: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const stored = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const read = (name: string): string => {
    const value = stored[name];
    if (typeof value !== 'string' || value === '')
      throw new Error(`${file} has no ${name}: deploy the sandbox tenant first (npm start), which generates it`);
    return value;
  };
  return { terms: read('TENANT_TERMS_SESSION_TOKEN_SECRET'), linking: read('TENANT_LINKING_SESSION_TOKEN_SECRET') };
}

/** The service's clients as the sandbox holds them, by tenant.yaml's names. */
async function readServiceClients(
  sandbox: SandboxAccountInput['sandbox'],
): Promise<Record<typeof ACCOUNT_CLIENT | typeof ACCOUNT_M2M_CLIENT, { id: string; secret: string }>> {
  const client = new SandboxClient({ domain: sandbox.domain, caPath: sandbox.caPath });
  const token = await client.managementToken(readDeployClient(sandbox.stateDir));
  const listed = await client.request<{ client_id: string; name: string; client_secret?: string }[]>(
    'GET',
    '/api/v2/clients?fields=client_id,name,client_secret&per_page=100',
    { token },
  );
  if (listed.status !== 200) throw new Error(`listing the sandbox's clients failed: HTTP ${listed.status}`);
  const byName = (name: string): { id: string; secret: string } => {
    const found = listed.body.find((candidate) => candidate.name === name);
    if (!found?.client_secret)
      throw new Error(`the sandbox has no "${name}" client: deploy tenant/tenant.yaml first (npm start)`);
    return { id: found.client_id, secret: found.client_secret };
  };
  return { [ACCOUNT_CLIENT]: byName(ACCOUNT_CLIENT), [ACCOUNT_M2M_CLIENT]: byName(ACCOUNT_M2M_CLIENT) };
}

/** A keyword that sandbox.yaml gives as a list (e.g. PROFILE_WEB_ORIGINS). */
function keywordList(value: KeywordValue | undefined): string[] {
  return Array.isArray(value) ? value.map((item: KeywordValue) => keywordText(item)) : [];
}

/**
 * The service's environment variables (docs/account.md) for the sandbox: the one place they are
 * assembled. The cookie key is new per run (sessions last a login).
 */
export async function sandboxAccountEnv(input: SandboxAccountInput): Promise<Env> {
  const { sandbox, port } = input;
  const secrets = readPageSecrets(sandbox.stateDir);
  const clients = await readServiceClients(sandbox);
  const keywords = resolveEnvironment(projectPaths(), 'sandbox', {}).mappings;
  return {
    ACCOUNT_HOST: HOST,
    ACCOUNT_PORT: String(port),
    ACCOUNT_BASE_URL: accountOrigin(port),
    AUTH0_DOMAIN: sandbox.domain,
    TERMS_SESSION_TOKEN_SECRET: secrets.terms,
    LINKING_SESSION_TOKEN_SECRET: secrets.linking,
    ACCOUNT_SESSION_KEYS: randomBytes(32).toString('base64'),
    ACCOUNT_CLIENT_ID: clients[ACCOUNT_CLIENT].id,
    ACCOUNT_CLIENT_SECRET: clients[ACCOUNT_CLIENT].secret,
    ACCOUNT_MGMT_DOMAIN: sandbox.domain,
    ACCOUNT_MGMT_CLIENT_ID: clients[ACCOUNT_M2M_CLIENT].id,
    ACCOUNT_MGMT_CLIENT_SECRET: clients[ACCOUNT_M2M_CLIENT].secret,
    ACCOUNT_PROFILE_API_AUDIENCE: keywordText(keywords.PROFILE_API_AUDIENCE ?? ''),
    ACCOUNT_PROFILE_API_ORIGINS: keywordList(keywords.PROFILE_WEB_ORIGINS).join(','),
    // The email change's emails go to the sandbox's SMTP ingress, into its outbox, from the tenant's sender.
    ACCOUNT_SMTP_URL: sandbox.smtpUrl,
    ACCOUNT_MAIL_FROM: keywordText(keywords.EMAIL_FROM_ADDRESS ?? ''),
    ...input.overrides,
  };
}

/**
 * Trusts the sandbox's CA next to the public roots for this process's `fetch`, as
 * NODE_EXTRA_CA_CERTS would (TLS verification stays on). Process-wide because the auth0 SDK takes
 * no `fetch` of its own (its ManagementClient drops the option) and speaks the global one; the
 * service's OIDC login (openid-client) and key set (jose) use it too. Returns the undo.
 */
export function trustSandboxCa(caPath: string): () => void {
  const previous = getGlobalDispatcher();
  const agent = new Agent({ connect: { ca: [...rootCertificates, readFileSync(caPath, 'utf8')] } });
  setGlobalDispatcher(agent);
  return () => {
    setGlobalDispatcher(previous);
    void agent.close();
  };
}

export interface SandboxAccountService {
  config: AccountConfig;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * The terms texts the service serves on the sandbox, in its state folder: the service's own
 * versions, plus the version npm start's terms-bump journey deploys (bumpedVersion of sandbox.yaml's
 * TERMS_VERSION) as a copy of that version's text, so the bump has a consent page to show. A real
 * bump adds the new version's text to the service first (docs/account.md).
 */
export function sandboxTermsContent(stateDir: string, serviceDir: string): string {
  const version = keywordText(resolveEnvironment(projectPaths(), 'sandbox', {}).mappings.TERMS_VERSION ?? '');
  const dir = join(statePaths(stateDir).dir, 'terms-content');
  rmSync(dir, { recursive: true, force: true });
  cpSync(serviceDir, dir, { recursive: true });
  const bumped = join(dir, bumpedVersion(version));
  if (existsSync(join(dir, version)) && !existsSync(bumped)) cpSync(join(dir, version), bumped, { recursive: true });
  return dir;
}

/** Starts the service for the sandbox on 127.0.0.1:`port`; close() stops it and undoes the CA trust. */
export async function startSandboxAccountService(
  input: SandboxAccountInput & { logger?: boolean },
): Promise<SandboxAccountService> {
  const read = readAccountConfig(await sandboxAccountEnv(input));
  const config = { ...read, termsContentDir: sandboxTermsContent(input.sandbox.stateDir, read.termsContentDir) };
  const untrust = trustSandboxCa(input.sandbox.caPath);
  let app: FastifyInstance | undefined;
  try {
    app = await buildAccountApp(config, { logger: input.logger ?? false });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app?.close();
    untrust();
    throw error;
  }
  const started = app;
  return {
    config,
    url: accountOrigin(config.port),
    close: async () => {
      await started.close();
      untrust();
    },
  };
}
