import { createHmac, hkdfSync } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The email change's link token: HS256 (jose), 30 minutes, bound to the user id, the new address,
 * and the user's email state: the current address and the `app_metadata.email_change` nonce,
 * which every change through the service replaces (so a link issued before any change, even one
 * that came back to the same address, no longer matches). The state is carried as a keyed hash:
 * the token rides in a URL mailed to the new address, whose reader must not learn the old one (a
 * typo'd address belongs to someone else).
 *
 * The key is derived (HKDF-SHA256, a label of its own) from each ACCOUNT_SESSION_KEYS key rather
 * than configured apart: one secret fewer to deploy and rotate, and the links follow the cookie
 * keys' rotation (the first key signs, all verify; an old key stays an hour, longer than a link
 * lives). The derived key is not the cookie key: HKDF is one-way, and the label keeps this key
 * from ever equalling a key derived for another purpose.
 */

export const EMAIL_LINK_SECONDS = 30 * 60;
const ALGORITHM = 'HS256';
const TOKEN_TYPE = 'email-change+jwt';
const KEY_LABEL = 'acme-account email-change link v1';
const MAX_TOKEN_CHARS = 2048;
// A user id: a provider prefix and up to 255 characters.
const MAX_SUB_CHARS = 512;

export interface EmailChangeClaims {
  sub: string;
  /** The new address, as the user typed it (domain normalised). */
  newEmail: string;
  /** The keyed hash of the email state when the link was issued (emailStateTag). */
  stateTag: string;
}

export type EmailLinkResult =
  | { ok: true; claims: EmailChangeClaims; /** The key that verified it, for emailStateTag. */ key: Uint8Array }
  | { ok: false; problem: 'invalid' | 'expired' };

/** The user's current address and app_metadata.email_change nonce (ProfileUser.email and emailChangeNonce). */
export interface EmailState {
  email: string;
  nonce: string;
}

export interface EmailLinkKeys {
  /** Signs new links. */
  sign: Uint8Array;
  /** Verify links: the signing key first. */
  verify: readonly Uint8Array[];
}

export function deriveEmailLinkKeys(sessionKeys: readonly Buffer[]): EmailLinkKeys {
  const verify = sessionKeys.map((key) => new Uint8Array(hkdfSync('sha256', key, new Uint8Array(0), KEY_LABEL, 32)));
  const sign = verify[0];
  if (!sign) throw new Error('no session key to derive the email link key from');
  return { sign, verify };
}

/** The user's email state as the token holds it: the address lower-cased (Auth0 compares so) and the nonce, keyed. */
export function emailStateTag(key: Uint8Array, state: EmailState): string {
  return createHmac('sha256', key)
    .update(JSON.stringify([state.email.toLowerCase(), state.nonce]))
    .digest('base64url');
}

export function signEmailLink(
  keys: EmailLinkKeys,
  input: { sub: string; newEmail: string; current: EmailState; audience: string; nowMs: number },
): Promise<string> {
  const iat = Math.floor(input.nowMs / 1000);
  return new SignJWT({ new_email: input.newEmail, cur: emailStateTag(keys.sign, input.current) })
    .setProtectedHeader({ alg: ALGORITHM, typ: TOKEN_TYPE })
    .setSubject(input.sub)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + EMAIL_LINK_SECONDS)
    .sign(keys.sign);
}

/**
 * Verifies a link's token with each key in turn. `audience` is the confirm page's URL, so a token
 * of another kind signed with a key of the same family would not pass.
 */
export async function verifyEmailLink(
  keys: EmailLinkKeys,
  token: unknown,
  audience: string,
  nowMs: number,
): Promise<EmailLinkResult> {
  if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_CHARS)
    return { ok: false, problem: 'invalid' };
  for (const key of keys.verify) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        typ: TOKEN_TYPE,
        audience,
        currentDate: new Date(nowMs),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { sub, new_email: newEmail, cur } = payload;
      if (
        typeof sub !== 'string' ||
        sub === '' ||
        sub.length > MAX_SUB_CHARS ||
        typeof newEmail !== 'string' ||
        typeof cur !== 'string'
      )
        return { ok: false, problem: 'invalid' };
      return { ok: true, claims: { sub, newEmail, stateTag: cur }, key };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, problem: 'expired' };
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      return { ok: false, problem: 'invalid' };
    }
  }
  return { ok: false, problem: 'invalid' };
}
