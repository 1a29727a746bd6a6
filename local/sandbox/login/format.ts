import type { IdTokenClaims, LoginResponse } from './types';

/** Readable lines for a login's outcome (npm start, npm run login). Never prints a token or a secret. */

export function outcomeHeadline(response: LoginResponse): string {
  switch (response.outcome) {
    case 'allowed':
      return `allowed as ${response.user_id}`;
    case 'denied':
      return `denied ${response.error}: ${response.error_description}${response.user_id ? ` (user ${response.user_id})` : ''}`;
    case 'redirect':
      return `redirect to ${pageOf(response.url)} (state ${response.state})`;
  }
}

export function actionsRun(response: LoginResponse): string {
  if (response.executed.length === 0) return 'no Action ran (refused before the Actions)';
  return response.executed
    .map((e) => (e.handler === 'onContinuePostLogin' ? `${e.action} (continue)` : e.action))
    .join(' → ');
}

/** `https://host/terms?session_token=...&state=...` → `https://host/terms` (the token stays out of logs). */
export function pageOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

export function claimsTable(claims: IdTokenClaims, indent = '  '): string[] {
  const width = Math.max(...Object.keys(claims).map((name) => name.length));
  return Object.entries(claims).map(
    ([name, value]) => `${indent}${name.padEnd(width)}  ${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
}

/** The payload a page's session token carries (for display: it is signed, not encrypted, and holds no personal data). */
export function sessionTokenPayload(url: string): Record<string, unknown> {
  const token = new URL(url).searchParams.get('session_token') ?? '';
  const payload = token.split('.')[1] ?? '';
  try {
    const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null ? (decoded as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
