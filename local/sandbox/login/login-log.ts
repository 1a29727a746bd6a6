import type { LogInput, LogType, Store } from '../store';
import type { LoginFlow, LoginRequest, LoginResponse } from './types';

/**
 * Which of Auth0's log events a finished login leaves
 * (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes): `s` (or `ssa` for a silent
 * login from the SSO session), `fp`/`fu` for a wrong password / unknown email (the login answer
 * never tells them apart; the log does), `limit_wc` for a login refused by a brute-force block,
 * `f` (`fsa`) for any other refusal. Refresh exchanges are logged by the token endpoint.
 */
export function loginLogType(flow: LoginFlow, response: LoginResponse, knownUser: boolean): LogType | undefined {
  if (flow === 'refresh-token') return undefined;
  const silent = flow === 'prompt-none';
  if (response.outcome === 'allowed') return silent ? 'ssa' : 's';
  if (response.outcome === 'redirect') return undefined;
  if (response.error === 'too_many_attempts') return 'limit_wc';
  if (response.error === 'invalid_grant' && !silent) return knownUser ? 'fp' : 'fu';
  return silent ? 'fsa' : 'f';
}

/** What the log needs to know about the login besides its answer. */
export interface LoginTrace {
  flow: LoginFlow;
  clientId?: string;
  connection: string;
  email?: string;
  ip: string;
  userAgent?: string;
}

export function traceOf(request: LoginRequest, userAgent: string | undefined, store: Store): LoginTrace {
  const client = store.clients.get(request.client);
  return {
    flow: request.flow,
    connection: request.connection,
    ip: request.ip ?? '127.0.0.1',
    ...(client ? { clientId: client.client_id } : {}),
    ...(request.email !== undefined ? { email: request.email } : {}),
    ...(userAgent !== undefined ? { userAgent } : {}),
  };
}

const DESCRIPTIONS: Partial<Record<LogType, string>> = {
  fp: 'Wrong email or password.',
  fu: 'Wrong email or password.',
  limit_wc: 'Your account has been blocked after multiple consecutive login attempts.',
};

export function recordLogin(store: Store, trace: LoginTrace, response: LoginResponse): void {
  const email = trace.email;
  const owner = email === undefined ? undefined : store.users.databaseIdentityOwner(trace.connection, email);
  const type = loginLogType(trace.flow, response, owner !== undefined);
  if (type === undefined) return;
  const userId = response.user_id ?? owner?.user_id;
  const userName = userId === undefined ? email : (store.users.get(userId)?.email ?? email);
  const entry: LogInput = {
    type,
    connection: trace.connection,
    ip: trace.ip,
    ...(trace.clientId !== undefined ? { client_id: trace.clientId } : {}),
    ...(trace.userAgent !== undefined ? { user_agent: trace.userAgent } : {}),
    ...(userId !== undefined ? { user_id: userId } : {}),
    ...(userName !== undefined ? { user_name: userName } : {}),
    ...(response.outcome === 'denied' ? { description: DESCRIPTIONS[type] ?? response.error_description } : {}),
    ...(response.outcome === 'denied' ? { details: { error: { message: response.error } } } : {}),
  };
  store.logs.record(entry);
}
