import { DEFAULT_PORT, readDeployClient, SandboxClient, sandboxTarget as sandboxEndpoint } from '../../local/sandbox';
import { bootstrapLinkingClient, LINKING_CLIENT_NAME, sandboxMappings, sandboxSecrets } from './sandbox-environment';
import type { EnvVars, ResolvedEnvironment } from '../tenant';
import { ManagementApiError, type ManagementApi } from '../plan/management-api';
import { parseSandboxPort } from '../sandbox-port';
import { TargetError, type Target } from './target';

/**
 * `--env sandbox`: the local sandbox (npm start / npm run sandbox) is the target: its domain, CA and
 * deploy client come from its state folder, its secret values from sandbox-environment.ts
 * (generated once per state folder, shared with npm start, the fingerprint key included). The
 * environment follows the sandbox's actual port, as npm start does.
 */

export function sandboxTarget(stateDir: string, portVar: string | undefined): Target {
  try {
    const port = parseSandboxPort(portVar) ?? DEFAULT_PORT;
    const { domain, caPath } = sandboxEndpoint(stateDir, port);
    const client = readDeployClient(stateDir);
    return { domain, caPath, clientId: client.client_id, clientSecret: client.client_secret };
  } catch (error) {
    throw new TargetError(error instanceof Error ? error.message : String(error));
  }
}

/** The sandbox environment at the sandbox's real address (sandbox.yaml names the default port). */
export function followSandbox(environment: ResolvedEnvironment, target: Target): ResolvedEnvironment {
  return { ...environment, auth0Domain: target.domain, mappings: sandboxMappings(environment, target.domain) };
}

/**
 * The variables a sandbox plan or deploy reads. The linking client's id and secret are Auth0's to
 * issue: a deploy (`create`) creates the bare client first, deploy-cli then configures it by name;
 * a plan only reads, and leaves them unset (so not compared) while the client does not exist.
 */
export async function sandboxVars(
  stateDir: string,
  target: Target,
  api: ManagementApi,
  options: { create: boolean },
): Promise<EnvVars> {
  await expectSandbox(target, api);
  const vars = localSandboxVars(stateDir);
  if (options.create) {
    const client = new SandboxClient({ domain: target.domain, caPath: target.caPath ?? '' });
    const linking = await bootstrapLinkingClient(client, {
      client_id: target.clientId,
      client_secret: target.clientSecret,
    });
    return { ...vars, TENANT_MGMT_CLIENT_ID: linking.client_id, TENANT_MGMT_CLIENT_SECRET: linking.client_secret };
  }
  const linking = (await api.pages('/clients', 'clients', '&include_totals=true')).find(
    (c) => c.name === LINKING_CLIENT_NAME,
  );
  if (linking && typeof linking.client_id === 'string' && typeof linking.client_secret === 'string') {
    return { ...vars, TENANT_MGMT_CLIENT_ID: linking.client_id, TENANT_MGMT_CLIENT_SECRET: linking.client_secret };
  }
  return vars;
}

/** The generated values only: no request (what the guards check before anything is sent). */
export function localSandboxVars(stateDir: string): Record<string, string> {
  return sandboxSecrets(stateDir);
}

/**
 * The first request to the sandbox, with the state folder's deploy client: when SANDBOX_PORT
 * points elsewhere, one line says which port and what answers there, instead of a failure deep
 * inside the bootstrap.
 */
async function expectSandbox(target: Target, api: ManagementApi): Promise<void> {
  try {
    await api.get('/tenants/settings');
  } catch (error) {
    if (!(error instanceof ManagementApiError)) throw error;
    throw new TargetError(
      `SANDBOX_PORT: the sandbox is not on https://${target.domain}: ${foundThere(error)}. Start it (npm start or npm run sandbox), or set SANDBOX_PORT to the port it listens on.`,
    );
  }
}

function foundThere(error: ManagementApiError): string {
  const code = error.networkCode ?? '';
  if (code === 'ECONNREFUSED') return 'nothing listens there';
  if (/WRONG_VERSION_NUMBER|EPROTO|ECONNRESET|socket hang up/i.test(`${code} ${error.apiMessage}`))
    return `something answers, but not in HTTPS (${code || error.apiMessage})`;
  if (/CERT|SELF_SIGNED|VERIFY|SIGNATURE/.test(code))
    return `an HTTPS server whose certificate this sandbox's CA did not issue (${code}): another sandbox or another server`;
  if (error.status === 401 || error.status === 403)
    return `a sandbox that does not know this state folder's deploy client (${error.status}): another sandbox's state`;
  if (error.status !== undefined)
    return `a server that is not the sandbox (${error.method} ${error.path.split('?')[0]} answered ${error.status})`;
  return error.apiMessage;
}
