import { describe, expect, it } from 'vitest';
import { ManagementApi, ManagementApiError, type HttpRequest, type HttpResponse } from '../../tooling/plan/management-api';

const answer = (status: number, body: object): HttpResponse => ({ status, headers: { 'content-type': 'application/json' }, text: JSON.stringify(body) });

describe('the Management API reader of plan and deploy', () => {
  it('does not remember a failed token request: the next call asks again', async () => {
    const requests: string[] = [];
    let tokenAnswers = 0;
    const transport = async (req: HttpRequest): Promise<HttpResponse> => {
      requests.push(`${req.method} ${req.path}`);
      if (req.path === '/oauth/token') {
        tokenAnswers += 1;
        return tokenAnswers === 1 ? answer(503, { message: 'try later' }) : answer(200, { access_token: 'token' });
      }
      return answer(200, { friendly_name: 'Acme' });
    };
    const api = new ManagementApi({ domain: 'tenant.example', clientId: 'id', clientSecret: 'secret' }, transport);
    await expect(api.get('/tenants/settings')).rejects.toBeInstanceOf(ManagementApiError);
    await expect(api.get('/tenants/settings')).resolves.toEqual({ friendly_name: 'Acme' });
    await api.get('/tenants/settings');
    expect(requests).toEqual(['POST /oauth/token', 'POST /oauth/token', 'GET /api/v2/tenants/settings', 'GET /api/v2/tenants/settings']);
  });
});
