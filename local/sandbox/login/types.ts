import type { JsonValue } from '../store/json';

/**
 * The wire format of sandbox logins: what `POST /sandbox/login` and `/continue` accept and answer.
 * Shared by the server, `npm run login`, `npm start` and the tests, so they cannot drift apart.
 */

/** How the application logs the user in; each maps to the protocol Auth0 reports to the Actions. */
export type LoginFlow = 'interactive' | 'refresh-token' | 'prompt-none' | 'password';
export const LOGIN_FLOWS: readonly LoginFlow[] = ['interactive', 'refresh-token', 'prompt-none', 'password'];

/** What a social identity provider (simulated) says about the user: OIDC standard claims. */
export interface SocialProfile {
  /** The provider's user id: the part after `google-oauth2|` in the Auth0 user id. */
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  nickname?: string;
  picture?: string;
}

export interface LoginRequest {
  /** Client id, or the application's exact name. */
  client: string;
  /** Connection name (`customers`, `google-oauth2`...). */
  connection: string;
  flow: LoginFlow;
  /** Database connections (interactive and password flows): the credentials. */
  email?: string;
  password?: string;
  /** Social connections (interactive flow): what the identity provider returned. */
  profile?: SocialProfile;
  /** Refresh-token and prompt=none flows: the existing user, by user id or email. */
  user?: string;
  /** The end user's address, as Auth0 sees it (default 127.0.0.1). */
  ip?: string;
}

export interface ExecutedHandler {
  action: string;
  handler: 'onExecutePostLogin' | 'onContinuePostLogin';
}

export interface ActionLog {
  action: string;
  message: string;
}

/** Standard claims of a sandbox ID token plus what the Actions set with `api.idToken.setCustomClaim`. */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  [claim: string]: JsonValue;
}

interface Progress {
  /** Every handler that ran in this login so far, both sides of each redirect. */
  executed: ExecutedHandler[];
  logs: ActionLog[];
}

export type LoginResponse = Progress &
  (
    | { outcome: 'allowed'; user_id: string; id_token: string; claims: IdTokenClaims }
    /** `user_id` is absent when the login failed before a user was known (e.g. a wrong password). */
    | { outcome: 'denied'; error: string; error_description: string; user_id?: string }
    /** The browser goes to `url` (which carries `state`); the page answers at `continue_url`. */
    | { outcome: 'redirect'; user_id: string; url: string; state: string; continue_url: string }
  );

/** An error of a page or of `/continue`, for API clients (browsers get an HTML page). */
export interface PageError {
  error: string;
  error_description: string;
}
