import type { Client, Store } from '../store';
import type { AuthorizeParams } from './store';

/**
 * Validation of a `/authorize` request, in Auth0's order: errors about the client or the
 * redirect_uri get an error page (never a redirect to a URI that is not registered); every later
 * error goes back to the registered redirect_uri with `error`, `error_description` and `state`.
 * See https://auth0.com/docs/api/authentication/authorization-code-flow/authorize-application
 */

export type AuthorizeValidation =
  | { ok: true; params: AuthorizeParams; client: Client }
  | { ok: false; page: { status: number; error: string; description: string } }
  | {
      ok: false;
      redirect: { redirectUri: string; responseMode: ResponseMode; error: string; description: string; state?: string };
    };

/** How the answer reaches the application: query parameters, or a form posted by the browser. */
export type ResponseMode = 'query' | 'form_post';

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);
const MAX_PARAM_LENGTH = 2048;

export function validateAuthorize(
  query: Record<string, string>,
  store: Store,
  managementAudience: string,
): AuthorizeValidation {
  const page = (error: string, description: string, status = 400): AuthorizeValidation => ({
    ok: false,
    page: { status, error, description },
  });
  for (const [name, value] of Object.entries(query)) {
    if (value.length > MAX_PARAM_LENGTH) return page('invalid_request', `The parameter ${name} is too long`);
  }
  const clientId = query.client_id;
  if (!clientId) return page('invalid_request', 'Missing required parameter: client_id');
  const client = store.clients.get(clientId);
  if (!client || client.global)
    return page('invalid_request', 'Unknown client: the client_id is not an application of this tenant');
  const redirectUri = query.redirect_uri;
  if (!redirectUri) return page('invalid_request', 'Missing required parameter: redirect_uri');
  // Literal match, as Auth0 compares registered callbacks (wildcards are not modelled).
  if (!(client.callbacks ?? []).includes(redirectUri)) {
    return page(
      'invalid_request',
      'Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs.',
    );
  }

  const state = query.state;
  // An unsupported response_mode is itself answered in the default mode.
  const responseMode: ResponseMode = query.response_mode === 'form_post' ? 'form_post' : 'query';
  const fail = (error: string, description: string): AuthorizeValidation => ({
    ok: false,
    redirect: { redirectUri, responseMode, error, description, ...(state !== undefined ? { state } : {}) },
  });
  if (query.response_type !== 'code') {
    return fail(
      'unsupported_response_type',
      `Unsupported response type: ${query.response_type ?? '(none)'}; the sandbox supports the authorization code flow (code)`,
    );
  }
  if (query.response_mode !== undefined && query.response_mode !== responseMode) {
    return fail(
      'invalid_request',
      `Unsupported response_mode: ${query.response_mode}; the sandbox supports query and form_post`,
    );
  }
  if (!client.grant_types.includes('authorization_code')) {
    return fail('unauthorized_client', "Grant type 'authorization_code' not allowed for the client.");
  }
  const isPublic = client.token_endpoint_auth_method === 'none';
  if (isPublic && (state === undefined || state === '')) {
    return fail('invalid_request', 'The state parameter is required for public clients');
  }
  const challenge = query.code_challenge;
  const method = query.code_challenge_method;
  if (challenge === undefined && isPublic)
    return fail(
      'invalid_request',
      'PKCE (code_challenge with code_challenge_method S256) is required for public clients',
    );
  if (challenge !== undefined) {
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
      return fail('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
  } else if (method !== undefined) {
    return fail('invalid_request', 'code_challenge_method without code_challenge');
  }

  const prompt = (query.prompt ?? '').split(' ').filter(Boolean);
  if (prompt.some((value) => !PROMPTS.has(value)))
    return fail('invalid_request', `Unsupported prompt: ${query.prompt ?? ''}`);
  if (prompt.includes('none') && prompt.length > 1)
    return fail('invalid_request', 'prompt=none cannot be combined with other values');
  let maxAge: number | undefined;
  if (query.max_age !== undefined) {
    if (!/^\d{1,9}$/.test(query.max_age)) return fail('invalid_request', 'max_age must be a number of seconds');
    maxAge = Number(query.max_age);
  }

  const audience = query.audience ?? stringSetting(store.tenant.settings().default_audience);
  if (audience !== undefined) {
    // User tokens for the Management API would carry its admin scopes here: refused (fail closed).
    if (audience === managementAudience)
      return fail('access_denied', 'The sandbox does not issue Management API tokens to users');
    const api = store.resourceServers.get(audience);
    if (!api || api.identifier !== audience) return fail('access_denied', `Service not found: ${audience}`);
  }

  if (query.connection !== undefined) {
    const connection = store.connections.getByName(query.connection);
    if (!connection || !store.connections.enabledClients(connection.id).includes(client.client_id)) {
      return fail('invalid_request', `the connection was disabled or does not exist: ${query.connection}`);
    }
  }

  const list = (value: string | undefined): string[] | undefined =>
    value === undefined ? undefined : value.split(' ').filter(Boolean);
  const params: AuthorizeParams = {
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    response_mode: responseMode,
    scope: list(query.scope) ?? ['openid'],
    prompt,
    query,
    ...optional({
      state,
      nonce: query.nonce,
      audience,
      code_challenge: challenge,
      max_age: maxAge,
      connection: query.connection,
      login_hint: query.login_hint,
      screen_hint: query.screen_hint,
      ui_locales: list(query.ui_locales),
      acr_values: list(query.acr_values),
    }),
  };
  return { ok: true, params, client };
}

function stringSetting(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<T extends Record<string, unknown>>(fields: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}
