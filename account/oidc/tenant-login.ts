import * as oidc from 'openid-client';

/**
 * The logins this service starts on its own tenant, as an OpenID Connect relying party
 * (openid-client: discovery, PKCE, state, nonce, ID token validation). The tenant's metadata is
 * discovered on first use and kept; a failed discovery is retried on the next request.
 */

export interface TenantLoginOptions {
  /** `https://<tenant domain>`: the issuer is `<origin>/`. */
  tenantOrigin: string;
  clientId: string;
  clientSecret: string;
  /** The HTTP client for the tenant (tests: one that trusts the sandbox's CA). */
  fetch?: typeof fetch;
}

/** What the callback must check, kept in the encrypted session between the two legs. */
export interface LoginChecks {
  verifier: string;
  state: string;
  nonce: string;
}

export interface AuthorizationRequest {
  redirectUri: string;
  /** The connection to sign in with (the linking proof: the offered account's). */
  connection?: string;
  /** `login`: ask for the credentials again, whatever SSO session the browser has. */
  prompt?: 'login';
  /** Seconds since the user last authenticated (0 with `prompt=login`: a fresh proof). */
  maxAge?: number;
}

export interface TenantLogin {
  start(request: AuthorizationRequest): Promise<{ url: string; checks: LoginChecks }>;
  /**
   * The verified ID token's `sub` and `auth_time` (epoch seconds, when the tenant says the user
   * last authenticated); throws on any failure (the caller says "sign-in failed").
   */
  finish(callbackUrl: URL, checks: LoginChecks, maxAge?: number): Promise<{ sub: string; authTime?: number }>;
}

export function createTenantLogin(options: TenantLoginOptions): TenantLogin {
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= oidc
      .discovery(
        new URL(`${options.tenantOrigin}/`),
        options.clientId,
        undefined,
        oidc.ClientSecretBasic(options.clientSecret),
        options.fetch ? { [oidc.customFetch]: options.fetch } : undefined,
      )
      .then((config) => {
        if (options.fetch) config[oidc.customFetch] = options.fetch;
        return config;
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };

  return {
    async start(request) {
      const config = await configuration();
      const checks: LoginChecks = {
        verifier: oidc.randomPKCECodeVerifier(),
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: request.redirectUri,
        scope: 'openid',
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.verifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
        ...(request.connection === undefined ? {} : { connection: request.connection }),
        ...(request.prompt === undefined ? {} : { prompt: request.prompt }),
        ...(request.maxAge === undefined ? {} : { max_age: String(request.maxAge) }),
      });
      return { url: url.toString(), checks };
    },
    async finish(callbackUrl, checks, maxAge) {
      const config = await configuration();
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        // auth_time must be within maxAge (plus openid-client's 30 s clock tolerance) of now.
        ...(maxAge === undefined ? {} : { maxAge }),
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      const sub = claims?.sub;
      if (typeof sub !== 'string' || sub === '') throw new Error('no sub in the ID token');
      const authTime = claims?.auth_time;
      return typeof authTime === 'number' ? { sub, authTime } : { sub };
    },
  };
}
