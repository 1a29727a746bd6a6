import { formatRequestLogEntry, type Sandbox } from '../../local/sandbox';
import type { EnvVars } from '../../tooling/tenant';
import type { Target } from '../../tooling/deploy/target';
import { startTestSandbox } from '../sandbox/helpers';
import { removeCopies, tenantCopy, type TenantCopy } from '../tenant/helpers';

/**
 * A fresh sandbox on a free port and a throwaway copy of the project whose sandbox environment
 * names that sandbox's domain (the real file names the default port). Every request the sandbox
 * serves is recorded, so a test can assert that nothing (or nothing but reads) reached it.
 */
export interface TestTenant {
  sandbox: Sandbox;
  copy: TenantCopy;
  target: Target;
  /** Every secret variable the environment names, and the fingerprint key. */
  vars: Record<string, string>;
  /** `METHOD /path status ms`, one per request served. */
  requests: string[];
  /** Stops the sandbox, removes its state and every tenant copy made. */
  close(): Promise<void>;
}

export const FINGERPRINT_KEY = 'test-fingerprint-key-0123456789abcdef';

export async function startTestTenant(): Promise<TestTenant> {
  const requests: string[] = [];
  const sandbox = await startTestSandbox({ log: (entry) => requests.push(formatRequestLogEntry(entry)) });
  const copy = tenantCopy();
  copy.edit('tenant/environments/sandbox.yaml', (text) =>
    text.replace('AUTH0_DOMAIN: 127.0.0.1:8443', `AUTH0_DOMAIN: ${sandbox.domain}`),
  );
  // Auth0 issues the linking client's credentials when it is created; the Action needs them as secrets.
  const linking = sandbox.store.clients.create({
    name: 'Account Linking M2M',
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
  });
  const vars = {
    TENANT_LINKING_SESSION_TOKEN_SECRET: 'linking-session-token-secret-value-0123456789ab',
    TENANT_TERMS_SESSION_TOKEN_SECRET: 'terms-session-token-secret-value-0123456789abcd',
    TENANT_MGMT_CLIENT_ID: linking.client_id,
    TENANT_MGMT_CLIENT_SECRET: linking.client_secret ?? '',
    TENANT_GOOGLE_CLIENT_SECRET: 'google-client-secret-value-42',
    TENANT_SMTP_PASSWORD: 'smtp-password-value-42',
    DEPLOY_FINGERPRINT_KEY: FINGERPRINT_KEY,
  };
  const target: Target = {
    domain: sandbox.domain,
    clientId: sandbox.deployClient.client_id,
    clientSecret: sandbox.deployClient.client_secret,
    caPath: sandbox.caPath,
  };
  const close = async (): Promise<void> => {
    await sandbox.close();
    removeCopies();
  };
  return { sandbox, copy, target, vars, requests, close };
}

/** Requests other than reads (and the token request every run starts with). */
export function writes(requests: readonly string[]): string[] {
  return requests.filter((line) => !line.startsWith('GET ') && !line.startsWith('POST /oauth/token '));
}

/** Every secret value a test uses: none may ever appear in output. */
export function secretValues(t: TestTenant, extra: EnvVars = {}): string[] {
  return [
    ...Object.values(t.vars),
    ...Object.values(extra).filter((v): v is string => typeof v === 'string'),
    t.target.clientSecret,
  ];
}
