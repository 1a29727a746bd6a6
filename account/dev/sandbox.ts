import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The account service's environment for a local sandbox tenant (npm run account): the consent
 * page's secret is the one the sandbox generated and deployed into enforce-terms, read from its
 * state folder's deploy-secrets.json (tooling/deploy/sandbox-environment.ts writes it; its reader is not
 * part of the sandbox's index, and this one never creates a secret). The cookie key is made per
 * run: sessions only last a login.
 */

const SECRETS_FILE = 'deploy-secrets.json';
const termsSecretVariable = 'TENANT_TERMS_SESSION_TOKEN_SECRET';

export function readSandboxTermsSecret(stateDir: string): string {
  const file = join(stateDir, SECRETS_FILE);
  const missing = `${file} has no ${termsSecretVariable}: start the sandbox tenant once (npm start), which generates and deploys it`;
  if (!existsSync(file)) throw new Error(missing);
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const secret =
    typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)[termsSecretVariable]
      : undefined;
  if (typeof secret !== 'string' || secret === '') throw new Error(missing);
  return secret;
}

/** Environment variables for readAccountConfig, the given ones winning (e.g. ACCOUNT_PORT). */
export function sandboxAccountEnv(input: {
  stateDir: string;
  domain: string;
  env: Readonly<Record<string, string | undefined>>;
}): Record<string, string | undefined> {
  return {
    AUTH0_DOMAIN: input.domain,
    TERMS_SESSION_TOKEN_SECRET: readSandboxTermsSecret(input.stateDir),
    ACCOUNT_SESSION_KEYS: randomBytes(32).toString('base64'),
    ...input.env,
  };
}
