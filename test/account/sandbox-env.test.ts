import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAccountConfig } from '../../account/config';
import { sandboxAccountEnv } from '../../account/dev/sandbox';

describe('npm run account: the sandbox environment', () => {
  it('uses the terms secret the sandbox generated, and its domain', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
    const secret = 'b'.repeat(43);
    writeFileSync(
      join(stateDir, 'deploy-secrets.json'),
      JSON.stringify({ TENANT_TERMS_SESSION_TOKEN_SECRET: secret, TENANT_LINKING_SESSION_TOKEN_SECRET: 'other' }),
    );
    const config = readAccountConfig(
      sandboxAccountEnv({ stateDir, domain: '127.0.0.1:8443', env: { ACCOUNT_PORT: '9444' } }),
    );
    expect(config).toMatchObject({ termsSessionSecret: secret, tenantOrigin: 'https://127.0.0.1:8443', port: 9444 });
  });

  it('without a started sandbox: says to start it, and makes no secret', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
    expect(() => sandboxAccountEnv({ stateDir, domain: '127.0.0.1:8443', env: {} })).toThrow(/npm start/);
    writeFileSync(join(stateDir, 'deploy-secrets.json'), '{}');
    expect(() => sandboxAccountEnv({ stateDir, domain: '127.0.0.1:8443', env: {} })).toThrow(
      /no TENANT_TERMS_SESSION_TOKEN_SECRET/,
    );
  });
});
