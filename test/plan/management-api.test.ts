import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { loadOrCreateTls } from '../../local/sandbox/tls';
import { planEnvironment } from '../../tooling/deploy/deploy';
import {
  httpsTransport,
  ManagementApi,
  ManagementApiError,
  type HttpRequest,
  type HttpResponse,
} from '../../tooling/plan/management-api';
import { startTestTenant, type TestTenant } from '../deploy/helpers';

const answer = (status: number, body: object): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  text: JSON.stringify(body),
});

describe('the Management API reader of plan and deploy', () => {
  it('does not remember a failed token request: the next call asks again', async () => {
    const requests: string[] = [];
    let tokenAnswers = 0;
    const transport = async (req: HttpRequest): Promise<HttpResponse> => {
      requests.push(`${req.method} ${req.path}`);
      if (req.path === '/oauth/token') {
        tokenAnswers += 1;
        return tokenAnswers === 1
          ? answer(401, { error_description: 'Unauthorized' })
          : answer(200, { access_token: 'token' });
      }
      return answer(200, { friendly_name: 'Acme' });
    };
    const api = new ManagementApi({ domain: 'tenant.example', clientId: 'id', clientSecret: 'secret' }, transport);
    await expect(api.get('/tenants/settings')).rejects.toBeInstanceOf(ManagementApiError);
    await expect(api.get('/tenants/settings')).resolves.toEqual({ friendly_name: 'Acme' });
    await api.get('/tenants/settings');
    expect(requests).toEqual([
      'POST /oauth/token',
      'POST /oauth/token',
      'GET /api/v2/tenants/settings',
      'GET /api/v2/tenants/settings',
    ]);
  });
});

describe('retries: 429, 5xx and dropped connections, within a budget', () => {
  let t: TestTenant;
  let slept: number[];
  const api = (): ManagementApi =>
    new ManagementApi(t.target, httpsTransport(t.target.domain, readFileSync(t.sandbox.caPath)), {
      sleep: async (ms) => {
        slept.push(ms);
      },
    });

  beforeAll(async () => {
    t = await startTestTenant();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    slept = [];
    t.sandbox.faults.set([]);
  });

  it('a plan survives one 500 and one 503 (real waits: 1 s backoff each)', async () => {
    t.sandbox.faults.set([
      { method: 'GET', path: '/api/v2/clients', status: 500 },
      { method: 'GET', path: '/api/v2/actions/actions', status: 503 },
    ]);
    const { plan } = await planEnvironment({ paths: t.copy.paths, env: 'sandbox', vars: {}, target: t.target });
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(
      t.sandbox.faults
        .hits()
        .map((h) => `${h.status} ${h.path}`)
        .sort(),
    ).toEqual(['500 /api/v2/clients', '503 /api/v2/actions/actions']);
  });

  it('backs off exponentially on a persistent 5xx, then names how often it tried', async () => {
    t.sandbox.faults.set([{ method: 'GET', path: '/api/v2/tenants/settings', status: 503, times: 'always' }]);
    const error = await api()
      .get('/tenants/settings')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect((error as ManagementApiError).message).toMatch(
      /^GET \/api\/v2\/tenants\/settings: 503 .*\(gave up after 5 attempts\)$/,
    );
    expect(slept).toEqual([1000, 2000, 4000, 8000]);
  });

  it('honours a Retry-After beyond 10 s while it fits the budget', async () => {
    t.sandbox.faults.set([
      { method: 'GET', path: '/api/v2/tenants/settings', status: 503, retryAfter: 15 },
      { method: 'GET', path: '/api/v2/clients', status: 429, retryAfter: 30 },
    ]);
    await expect(api().get('/tenants/settings')).resolves.toBeDefined();
    await expect(api().get('/clients')).resolves.toBeDefined();
    expect(slept).toEqual([15_000, 30_000]);
  });

  it('fails at once, saying why, when the tenant asks for a wait beyond the budget', async () => {
    t.sandbox.faults.set([{ method: 'GET', path: '/api/v2/tenants/settings', status: 429, retryAfter: 120 }]);
    await expect(api().get('/tenants/settings')).rejects.toThrow(/a retry in 120 s would exceed the 60 s retry budget/);
    expect(slept).toEqual([]);
  });

  it('does not retry what another attempt cannot fix: a 4xx, nothing listening', async () => {
    t.sandbox.faults.set([{ method: 'GET', path: '/api/v2/tenants/settings', status: 404 }]);
    await expect(api().get('/tenants/settings')).rejects.toThrow(/404/);
    const closed = new ManagementApi({ ...t.target, domain: '127.0.0.1:1' }, httpsTransport('127.0.0.1:1'), {
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    await expect(closed.get('/tenants/settings')).rejects.toThrow(/ECONNREFUSED/);
    expect(slept).toEqual([]);
  });
});

describe('retries after a dropped connection (a local HTTPS server)', () => {
  it('sends the request again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reset-test-'));
    const tls = await loadOrCreateTls(statePaths(dir));
    let gets = 0;
    const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      if (req.url === '/oauth/token') return void res.end(JSON.stringify({ access_token: 'token' }));
      gets += 1;
      if (gets === 1) return void req.socket.destroy();
      res.end(JSON.stringify({ friendly_name: 'Acme' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const domain = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const slept: number[] = [];
      const api = new ManagementApi(
        { domain, clientId: 'id', clientSecret: 'secret' },
        httpsTransport(domain, readFileSync(tls.caPath)),
        {
          sleep: async (ms) => {
            slept.push(ms);
          },
        },
      );
      await expect(api.get('/tenants/settings')).resolves.toEqual({ friendly_name: 'Acme' });
      expect(gets).toBe(2);
      expect(slept).toEqual([1000]);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
