import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccountConfig } from '../../account';
import type { Sandbox } from '../../local/sandbox';
import {
  ACCOUNT_CLIENT,
  ACCOUNT_M2M_CLIENT,
  sandboxAccountEnv,
  startSandboxAccountService,
} from '../../tooling/account-service/sandbox';
import { freePort, startTestSandbox } from '../sandbox/helpers';

// The account service configured from a running sandbox (npm start, npm run account): the page
// secrets the sandbox generated, the clients it issued when tenant.yaml was deployed.

let sandbox: Sandbox;
const TERMS_SECRET = 't'.repeat(43);
const LINKING_SECRET = 'l'.repeat(43);

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

describe('the account service on the sandbox', () => {
  it('before the deploy: says to deploy first, and makes no secret', async () => {
    const secretsFile = join(sandbox.stateDir, 'deploy-secrets.json');
    await expect(sandboxAccountEnv({ sandbox, port: 9444 })).rejects.toThrow(/npm start/);
    expect(existsSync(secretsFile)).toBe(false);
    writeFileSync(secretsFile, JSON.stringify({ TENANT_TERMS_SESSION_TOKEN_SECRET: TERMS_SECRET }));
    await expect(sandboxAccountEnv({ sandbox, port: 9444 })).rejects.toThrow(/no TENANT_LINKING_SESSION_TOKEN_SECRET/);
    writeFileSync(
      secretsFile,
      JSON.stringify({
        TENANT_TERMS_SESSION_TOKEN_SECRET: TERMS_SECRET,
        TENANT_LINKING_SESSION_TOKEN_SECRET: LINKING_SECRET,
      }),
    );
    await expect(sandboxAccountEnv({ sandbox, port: 9444 })).rejects.toThrow(`no "${ACCOUNT_CLIENT}" client`);
  });

  it("takes the sandbox's domain, page secrets and issued clients; the caller's variables win", async () => {
    const web = sandbox.store.clients.create({
      name: ACCOUNT_CLIENT,
      app_type: 'regular_web',
      grant_types: ['authorization_code'],
      callbacks: ['http://127.0.0.1:9444/link/callback'],
    });
    const m2m = sandbox.store.clients.create({
      name: ACCOUNT_M2M_CLIENT,
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    });
    const config = readAccountConfig(
      await sandboxAccountEnv({ sandbox, port: 9444, overrides: { ACCOUNT_HOST: '::1' } }),
    );
    expect(config).toMatchObject({
      host: '::1',
      port: 9444,
      tenantOrigin: `https://${sandbox.domain}`,
      termsSessionSecret: TERMS_SECRET,
      linkingSessionSecret: LINKING_SECRET,
      accountClient: { baseUrl: 'http://127.0.0.1:9444', clientId: web.client_id, clientSecret: web.client_secret },
      management: { domain: sandbox.domain, clientId: m2m.client_id, clientSecret: m2m.client_secret },
      profileApiAudience: 'https://profile-api.sandbox.acme.example',
      profileApiOrigins: ['http://localhost:3001'],
      mail: {
        smtp: {
          host: '127.0.0.1',
          port: Number(new URL(sandbox.smtpUrl).port),
          secure: false,
          requireTLS: false,
        },
        from: 'no-reply@acme.example',
      },
    });
  });

  it("runs trusting the sandbox's CA: the profile page's sign-in discovers the tenant over verified TLS", async () => {
    const service = await startSandboxAccountService({ sandbox, port: await freePort() });
    try {
      const response = await fetch(`${service.url}/profile`, { redirect: 'manual' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(new RegExp(`^${sandbox.url}/authorize\\?`));
    } finally {
      await service.close();
    }
  });
});
