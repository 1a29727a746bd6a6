import { describe, expect, test } from 'vitest';
import type { Client } from '../../local/sandbox';
import type { RefreshTokenRecord } from '../../local/sandbox/oidc/store';
import { refreshVerdict } from '../../local/sandbox/oidc/token-endpoint';
import { refreshPolicy } from '../../local/sandbox/oidc/tokens';

// The refresh-token policy of a client (Auth0's `refresh_token` object) as a pure decision:
// defaults, absolute and idle expiry, non-expiring tokens, reuse and the leeway.

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 30, 12);

function clientWith(refreshToken: Record<string, unknown> | undefined): Client {
  return {
    client_id: 'app',
    name: 'App',
    tenant: 'sandbox',
    global: false,
    is_first_party: true,
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}

function token(extra: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    id: 'rt_1',
    family: 'f',
    client_id: 'app',
    user_id: 'auth0|1',
    connection: 'customers',
    session_id: 's',
    scope: ['openid', 'offline_access'],
    rotating: true,
    auth_time: NOW / 1000,
    created_at: NOW - HOUR,
    last_exchanged_at: NOW - HOUR,
    ...extra,
  };
}

describe('refreshPolicy', () => {
  test("Auth0's defaults: non-rotating and non-expiring; rotating implies expiring (30 days absolute, 15 days idle)", () => {
    expect(refreshPolicy(clientWith(undefined))).toEqual({ rotating: false, leeway: 0 });
    expect(refreshPolicy(clientWith({ rotation_type: 'rotating', expiration_type: 'non-expiring' }))).toEqual({
      rotating: true,
      leeway: 0,
      lifetime: 2_592_000,
      idleLifetime: 1_296_000,
    });
    expect(
      refreshPolicy(
        clientWith({ expiration_type: 'expiring', token_lifetime: 600, infinite_idle_token_lifetime: true, leeway: 5 }),
      ),
    ).toEqual({ rotating: false, leeway: 5, lifetime: 600 });
  });
});

describe('refreshVerdict', () => {
  const rotating = clientWith({
    rotation_type: 'rotating',
    expiration_type: 'expiring',
    token_lifetime: 86_400,
    idle_token_lifetime: 7200,
    leeway: 10,
  });

  test('unknown, revoked or another client’s token is invalid', () => {
    expect(refreshVerdict(undefined, rotating, NOW)).toBe('invalid');
    expect(refreshVerdict(token({ revoked: true }), rotating, NOW)).toBe('invalid');
    expect(refreshVerdict(token({ client_id: 'other' }), rotating, NOW)).toBe('invalid');
    expect(refreshVerdict(token(), rotating, NOW)).toBe('usable');
  });

  test('absolute expiry (fixed on the token) and idle expiry (the client’s current setting, since the last exchange)', () => {
    expect(refreshVerdict(token({ expires_at: NOW }), rotating, NOW)).toBe('invalid');
    expect(refreshVerdict(token({ expires_at: NOW + 1 }), rotating, NOW)).toBe('usable');
    expect(refreshVerdict(token({ last_exchanged_at: NOW - 2 * HOUR }), rotating, NOW)).toBe('invalid');
    expect(
      refreshVerdict(
        token({ last_exchanged_at: NOW - 2 * HOUR }),
        clientWith({ expiration_type: 'non-expiring' }),
        NOW,
      ),
    ).toBe('usable');
  });

  test('a consumed token is reuse, except the immediately previous one within the leeway', () => {
    expect(refreshVerdict(token({ consumed_at: NOW - 5_000 }), rotating, NOW)).toBe('usable');
    expect(refreshVerdict(token({ consumed_at: NOW - 11_000 }), rotating, NOW)).toBe('reused');
    expect(refreshVerdict(token({ consumed_at: NOW - 5_000, superseded: true }), rotating, NOW)).toBe('reused');
    expect(
      refreshVerdict(token({ consumed_at: NOW - 5_000 }), clientWith({ rotation_type: 'rotating', leeway: 0 }), NOW),
    ).toBe('reused');
  });
});
