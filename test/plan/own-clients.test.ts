import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planEnvironment } from '../../tooling/deploy/deploy';
import { managementApi } from '../../tooling/deploy/target';
import { readTenant } from '../../tooling/plan/plan';
import { startTestTenant, type TestTenant } from '../deploy/helpers';

// The tool's own clients are the configured ones (by id), never whichever client carries a
// `deploy_fingerprints` entry: otherwise anyone able to write client_metadata could hide a client,
// and its grants, from plan, drift and pull.

let t: TestTenant;
const LEDGER = 'SMTP_PASSWORD=0123456789abcdef';

beforeAll(async () => {
  t = await startTestTenant();
});

afterAll(async () => {
  await t?.close();
});

const deployName = (): string => t.sandbox.store.clients.require(t.target.clientId).name;

describe("the tool's own clients", () => {
  it('do not include a client that merely carries deploy_fingerprints: it and its grants are drift', async () => {
    const backdoor = t.sandbox.store.clients.create({
      name: 'Backdoor',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      client_metadata: { deploy_fingerprints: '' },
    });
    t.sandbox.store.clientGrants.create({
      client_id: backdoor.client_id,
      audience: `https://${t.sandbox.domain}/api/v2/`,
      scope: ['update:users'],
    });
    const { plan } = await planEnvironment({ paths: t.copy.paths, env: 'sandbox', vars: {}, target: t.target });
    const drift = plan.changes.filter((c) => c.kind === 'drift').map((c) => `${c.type} ${c.key}`);
    expect(drift).toContain('clients Backdoor');
    expect(drift).toContain(`clientGrants Backdoor → https://${t.sandbox.domain}/api/v2/`);
    t.sandbox.store.clients.delete(backdoor.client_id);
  });

  it('read the ledger from the configured deploy client only', async () => {
    const other = t.sandbox.store.clients.create({
      name: 'Other',
      app_type: 'non_interactive',
      client_metadata: { deploy_fingerprints: LEDGER },
    });
    const api = managementApi(t.target);
    expect((await readTenant(api, ['clients'], t.target.clientId)).ledger).toBeUndefined();
    expect((await readTenant(api, ['clients'], other.client_id)).ledger).toEqual({ SMTP_PASSWORD: '0123456789abcdef' });
    t.sandbox.store.clients.delete(other.client_id);
  });

  it('include the configured deploy client when another client reads (CI plans): not drift', async () => {
    const reader = t.sandbox.store.clients.create({
      name: 'Plan reader',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    });
    t.sandbox.store.clientGrants.create({
      client_id: reader.client_id,
      audience: `https://${t.sandbox.domain}/api/v2/`,
      scope: ['read:clients', 'read:client_grants'],
    });
    const api = managementApi({ ...t.target, clientId: reader.client_id, clientSecret: reader.client_secret ?? '' });
    const names = async (deployClientId: string): Promise<string[]> =>
      ((await readTenant(api, ['clients'], deployClientId)).resources.get('clients') ?? []).map((c) => c.key);
    expect(await names(t.target.clientId)).not.toContain(deployName());
    expect(await names(reader.client_id)).toContain(deployName());
    expect(await names(t.target.clientId)).not.toContain('Plan reader');
  });
});
