import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Store } from './store';

export interface DeployClientCredentials {
  client_id: string;
  client_secret: string;
}

const DEPLOY_CLIENT_NAME = 'Sandbox Deploy Client';

/**
 * The privileged machine-to-machine client deploy-cli uses: created on first start with a grant
 * for every Management API scope; its credentials live in the state folder (mode 0600) and are
 * never printed. Other clients only get what tenant.yaml's clientGrants give them.
 */
export function ensureDeployClient(
  store: Store,
  credentialsPath: string,
  managementAudience: string,
): DeployClientCredentials {
  return store.db.transaction(() => {
    let credentials = readCredentials(credentialsPath);
    const existing = credentials && store.clients.get(credentials.client_id);
    if (!credentials || !existing || existing.client_secret !== credentials.client_secret) {
      const client = store.clients.create({
        name: DEPLOY_CLIENT_NAME,
        description: 'Bootstrap client of the local sandbox: used by auth0-deploy-cli and tests.',
        app_type: 'non_interactive',
        grant_types: ['client_credentials'],
      });
      credentials = { client_id: client.client_id, client_secret: client.client_secret ?? '' };
      writeFileSync(credentialsPath, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    }
    const scopes = store.resourceServers.require(managementAudience).scopes.map((scope) => scope.value);
    const grant = store.clientGrants.find(credentials.client_id, managementAudience);
    if (grant) store.clientGrants.update(grant.id, { scope: scopes });
    else store.clientGrants.create({ client_id: credentials.client_id, audience: managementAudience, scope: scopes });
    return credentials;
  })();
}

/**
 * Every Auth0 tenant has one global client ("All Applications"), which carries the tenant-wide
 * login page; deploy-cli's export of pages fails without it. It never gets tokens.
 */
export function ensureGlobalClient(store: Store): void {
  if (store.clients.list().some((client) => client.global)) return;
  store.clients.create({
    name: 'All Applications',
    global: true,
    grant_types: [],
    callbacks: [],
    custom_login_page_on: false,
  });
}

function readCredentials(path: string): DeployClientCredentials | undefined {
  if (!existsSync(path)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { client_id: clientId, client_secret: clientSecret } = parsed as Record<string, unknown>;
  return typeof clientId === 'string' && typeof clientSecret === 'string'
    ? { client_id: clientId, client_secret: clientSecret }
    : undefined;
}
