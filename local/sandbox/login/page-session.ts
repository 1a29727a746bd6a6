import jwt from 'jsonwebtoken';
import { signSessionToken } from '../../runtime';
import type { Store } from '../store';

/** How long a page's signed answer may take to reach /continue. */
const ANSWER_TTL_SECONDS = 300;

export type Session =
  | {
      ok: true;
      token: string;
      state: string;
      claims: jwt.JwtPayload;
      sign(payload: Record<string, string | boolean>): string;
    }
  | { ok: false; status: number; title: string; message: string };

/**
 * The page's half of the round trip: the Action's token (HS256 with the SESSION_TOKEN_SECRET
 * deployed in that Action, not expired) and the login's `state`, then a signer for the answer
 * with the same `sub` and that `state`, as docs/actions.md asks of a customer's page.
 */
export function readSession(store: Store, action: string, fields: Record<string, unknown>): Session {
  const { session_token: token, state } = fields;
  if (typeof token !== 'string' || token === '' || typeof state !== 'string' || state === '' || state.length > 512) {
    return {
      ok: false,
      status: 400,
      title: 'Invalid link',
      message: 'This page needs the session_token and state of a login.',
    };
  }
  const secret = store.actions.deployedBindings('post-login').find((binding) => binding.name === action)
    ?.secrets.SESSION_TOKEN_SECRET;
  if (!secret)
    return {
      ok: false,
      status: 503,
      title: 'Not configured',
      message: `The ${action} Action is not deployed with a SESSION_TOKEN_SECRET.`,
    };
  let claims: jwt.JwtPayload;
  try {
    const verified = jwt.verify(token, secret, { algorithms: ['HS256'] });
    if (typeof verified === 'string' || typeof verified.sub !== 'string' || typeof verified.exp !== 'number')
      throw new Error('bad claims');
    claims = verified;
  } catch {
    return {
      ok: false,
      status: 400,
      title: 'Link expired',
      message: 'This link is invalid or has expired. Start the login again.',
    };
  }
  const subject = claims.sub as string;
  return {
    ok: true,
    token,
    state,
    claims,
    sign: (payload) => signSessionToken({ secret, subject, state, payload, expiresInSeconds: ANSWER_TTL_SECONDS }),
  };
}

/** An account the linking Action offers (its token carries no email, name or picture). */
export interface Candidate {
  user_id: string;
  connection: string;
  provider: string;
}

export function readCandidates(claims: jwt.JwtPayload): Candidate[] | undefined {
  const list: unknown = claims.candidates;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const candidates = list.filter(
    (item): item is Candidate =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as Candidate).user_id === 'string' &&
      typeof (item as Candidate).connection === 'string' &&
      typeof (item as Candidate).provider === 'string',
  );
  return candidates.length === list.length ? candidates : undefined;
}
