import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxClient, statePaths, type DeployClientCredentials } from '../../local/sandbox';
import { projectPaths, type ProjectPaths } from '../paths';
import { resolveEnvironment, type KeywordMappings, type KeywordValue, type ResolvedEnvironment } from '../tenant';
import type { Target } from './target';

/**
 * The `sandbox` environment's secrets, which nobody has to provide: what `npm start` (and anything
 * else that deploys tenant/tenant.yaml into the sandbox, e.g. plan/deploy) hands to
 * `resolveEnvironment(paths, 'sandbox', vars)`.
 *
 *   const { target, mappings } = await sandboxDeployment(sandbox);      // or, step by step:
 *   const { vars } = await sandboxEnvironment(new SandboxClient({ domain, caPath }), deployClient, stateDir);
 *   const env = resolveEnvironment(projectPaths(), 'sandbox', vars);
 *   const mappings = sandboxMappings(env, domain);           // follows the sandbox's actual port
 *   await runDeployCli(target, { command: 'import', inputFile: 'tenant/tenant.yaml' }, { mappings });
 */

/** The environment variables tenant/environments/sandbox.yaml names for its secrets. */
export type SandboxSecretVars = {
  TENANT_LINKING_SESSION_TOKEN_SECRET: string;
  TENANT_TERMS_SESSION_TOKEN_SECRET: string;
  TENANT_MGMT_CLIENT_ID: string;
  TENANT_MGMT_CLIENT_SECRET: string;
  TENANT_GOOGLE_CLIENT_SECRET: string;
  TENANT_SMTP_PASSWORD: string;
};

/** The tenant's generated secrets, and the key of the deploy's secret fingerprints (docs/deploy.md). */
type GeneratedSecrets = Pick<
  SandboxSecretVars,
  | 'TENANT_LINKING_SESSION_TOKEN_SECRET'
  | 'TENANT_TERMS_SESSION_TOKEN_SECRET'
  | 'TENANT_GOOGLE_CLIENT_SECRET'
  | 'TENANT_SMTP_PASSWORD'
> & { DEPLOY_FINGERPRINT_KEY: string };

/** Must match the client's name in tenant/tenant.yaml: deploy-cli finds it by name and updates it. */
export const LINKING_CLIENT_NAME = 'Account Linking M2M';

// One file for npm start and `npm run deploy -- --env sandbox`: both deploy the same secrets.
export const SANDBOX_SECRETS_FILE = 'deploy-secrets.json';

/**
 * Secrets generated once per state folder and kept there (mode 0600), so a restart keeps them and
 * `--reset` drops them: the pages' session token secrets and the fingerprint key (32 random bytes
 * each), and placeholders for the Google client secret and the SMTP password (the sandbox never
 * talks to Google and sends no mail).
 */
export function sandboxSecrets(stateDir: string): GeneratedSecrets {
  const file = join(statePaths(stateDir).dir, SANDBOX_SECRETS_FILE);
  const parsed: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const stored: Record<string, unknown> =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? { ...parsed } : {};
  const value = (name: keyof GeneratedSecrets, make: () => string): string => {
    const current = stored[name];
    if (typeof current === 'string' && current !== '') return current;
    const made = make();
    stored[name] = made;
    return made;
  };
  const before = JSON.stringify(stored);
  const secrets: GeneratedSecrets = {
    TENANT_LINKING_SESSION_TOKEN_SECRET: value('TENANT_LINKING_SESSION_TOKEN_SECRET', () =>
      randomBytes(32).toString('base64url'),
    ),
    TENANT_TERMS_SESSION_TOKEN_SECRET: value('TENANT_TERMS_SESSION_TOKEN_SECRET', () =>
      randomBytes(32).toString('base64url'),
    ),
    TENANT_GOOGLE_CLIENT_SECRET: value('TENANT_GOOGLE_CLIENT_SECRET', () => 'sandbox-placeholder-google-client-secret'),
    TENANT_SMTP_PASSWORD: value('TENANT_SMTP_PASSWORD', () => 'sandbox-placeholder-smtp-password'),
    DEPLOY_FINGERPRINT_KEY: value('DEPLOY_FINGERPRINT_KEY', () => randomBytes(32).toString('base64url')),
  };
  if (JSON.stringify(stored) !== before) writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/**
 * The password of the demo users `npm start` seeds: generated once per state folder (mode 0600) so
 * no credential is committed; `npm start` says where it is. Long and mixed enough for the tenant's
 * password policy (12+ characters of three kinds).
 */
export function demoUserPassword(stateDir: string): string {
  const file = join(statePaths(stateDir).dir, 'demo-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = `Demo-${randomBytes(12).toString('hex')}`;
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * The Management API client the linking Action calls with. Auth0 issues its secret when the client
 * is created, and the Action needs it as a secret at deploy time: so it is created first (or found,
 * on a sandbox that already has it) through the Management API; the deploy then updates it by name.
 */
export async function bootstrapLinkingClient(
  client: SandboxClient,
  deployClient: DeployClientCredentials,
): Promise<DeployClientCredentials> {
  const token = await client.managementToken(deployClient);
  const listed = await client.request<{ client_id: string; name: string; client_secret?: string }[]>(
    'GET',
    '/api/v2/clients?app_type=non_interactive&per_page=100&fields=client_id,name,client_secret',
    { token },
  );
  if (listed.status !== 200) throw new Error(`listing clients failed: HTTP ${listed.status}`);
  const existing = listed.body.find((client) => client.name === LINKING_CLIENT_NAME);
  if (existing?.client_secret) return { client_id: existing.client_id, client_secret: existing.client_secret };
  const created = await client.request<{ client_id: string; client_secret?: string }>('POST', '/api/v2/clients', {
    token,
    json: { name: LINKING_CLIENT_NAME, app_type: 'non_interactive', grant_types: ['client_credentials'] },
  });
  if (created.status !== 201 || !created.body.client_secret)
    throw new Error(`creating "${LINKING_CLIENT_NAME}" failed: HTTP ${created.status}`);
  return { client_id: created.body.client_id, client_secret: created.body.client_secret };
}

/** Every secret variable of the sandbox environment: the generated ones and the linking client's. */
export async function sandboxEnvironment(
  client: SandboxClient,
  deployClient: DeployClientCredentials,
  stateDir: string,
): Promise<{ vars: SandboxSecretVars; linkingClient: DeployClientCredentials }> {
  const linkingClient = await bootstrapLinkingClient(client, deployClient);
  return {
    vars: {
      ...sandboxSecrets(stateDir),
      TENANT_MGMT_CLIENT_ID: linkingClient.client_id,
      TENANT_MGMT_CLIENT_SECRET: linkingClient.client_secret,
    },
    linkingClient,
  };
}

/** The account service's origin as sandbox.yaml writes it (its pages, callbacks and logout URL). */
export const SANDBOX_ACCOUNT_ORIGIN = 'http://127.0.0.1:8444';

/**
 * The environment's mappings for the sandbox at `domain`: sandbox.yaml names the default ports
 * (the sandbox on 127.0.0.1:8443, the account service on 127.0.0.1:8444), so when either runs
 * elsewhere (SANDBOX_PORT, ACCOUNT_PORT, tests on free ports) the URLs on it follow.
 */
export function sandboxMappings(
  env: ResolvedEnvironment,
  domain: string,
  accountOrigin: string = SANDBOX_ACCOUNT_ORIGIN,
): KeywordMappings {
  const from = env.auth0Domain;
  const move = (value: KeywordValue): KeywordValue => {
    if (value === from) return domain;
    if (typeof value === 'string' && value.startsWith(`https://${from}/`))
      return `https://${domain}/${value.slice(`https://${from}/`.length)}`;
    if (typeof value === 'string' && value.startsWith(`${SANDBOX_ACCOUNT_ORIGIN}/`))
      return `${accountOrigin}/${value.slice(`${SANDBOX_ACCOUNT_ORIGIN}/`.length)}`;
    if (Array.isArray(value)) return value.map(move);
    return value;
  };
  return Object.fromEntries(Object.entries(env.mappings).map(([keyword, value]) => [keyword, move(value)]));
}

export interface SandboxDeployment {
  /** deploy-cli's target: the sandbox, with its bootstrap deploy client. */
  target: Target;
  environment: ResolvedEnvironment;
  /** AUTH0_KEYWORD_REPLACE_MAPPINGS for this sandbox (secrets included: never print them). */
  mappings: KeywordMappings;
  linkingClient: DeployClientCredentials;
}

/**
 * Everything deploy-cli needs to deploy tenant/tenant.yaml into a running sandbox, with the
 * account service's pages at `accountOrigin` (where npm start runs it).
 */
export async function sandboxDeployment(
  sandbox: { domain: string; caPath: string; stateDir: string; deployClient: DeployClientCredentials },
  paths: ProjectPaths = projectPaths(),
  accountOrigin: string = SANDBOX_ACCOUNT_ORIGIN,
): Promise<SandboxDeployment> {
  const client = new SandboxClient({ domain: sandbox.domain, caPath: sandbox.caPath });
  const { vars, linkingClient } = await sandboxEnvironment(client, sandbox.deployClient, sandbox.stateDir);
  const environment = resolveEnvironment(paths, 'sandbox', vars);
  if (environment.missingSecrets.length > 0) {
    throw new Error(
      `tenant/environments/sandbox.yaml names secrets the sandbox does not provide: ${environment.missingSecrets.map((missing) => missing.envVar).join(', ')}`,
    );
  }
  return {
    target: {
      domain: sandbox.domain,
      caPath: sandbox.caPath,
      clientId: sandbox.deployClient.client_id,
      clientSecret: sandbox.deployClient.client_secret,
    },
    environment,
    mappings: sandboxMappings(environment, sandbox.domain, accountOrigin),
    linkingClient,
  };
}
