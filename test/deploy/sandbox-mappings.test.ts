import { describe, expect, it } from 'vitest';
import { SANDBOX_ACCOUNT_ORIGIN, sandboxMappings } from '../../tooling/deploy/sandbox-environment';
import { projectPaths } from '../../tooling/paths';
import { resolveEnvironment } from '../../tooling/tenant';

// sandbox.yaml names the default ports (the sandbox on 8443, the account service on 8444): the
// mappings follow where both actually run.

const environment = resolveEnvironment(projectPaths(), 'sandbox', {});

describe('the sandbox mappings', () => {
  it("the account service's pages and callbacks follow its origin, the tenant's URLs the sandbox's domain", () => {
    const mappings = sandboxMappings(environment, '127.0.0.1:9443', 'http://127.0.0.1:9444');
    expect(mappings).toMatchObject({
      AUTH0_DOMAIN: '127.0.0.1:9443',
      TERMS_URL: 'http://127.0.0.1:9444/terms',
      LINKING_URL: 'http://127.0.0.1:9444/link',
      ACCOUNT_CALLBACKS: ['http://127.0.0.1:9444/link/callback', 'http://127.0.0.1:9444/profile/callback'],
      ACCOUNT_LOGOUT_URLS: ['http://127.0.0.1:9444/'],
    });
  });

  it('by default the account service is where sandbox.yaml says', () => {
    expect(SANDBOX_ACCOUNT_ORIGIN).toBe('http://127.0.0.1:8444');
    expect(sandboxMappings(environment, '127.0.0.1:9443').TERMS_URL).toBe('http://127.0.0.1:8444/terms');
  });
});
