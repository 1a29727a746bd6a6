/**
 * The user as this tool sees it, parsed from the Management API's untyped JSON at the boundary
 * (the SDK types every field optional and allows any extra key).
 */
import type { JsonObject, JsonValue } from '../../actions/platform/json';

const text = (value: JsonValue | undefined): string => (typeof value === 'string' ? value : '');

export type { JsonObject, JsonValue } from '../../actions/platform/json';

export interface Identity {
  provider: string;
  /** The provider's id: the part after the first `|` of the standalone user id. */
  user_id: string;
  connection: string;
  isSocial: boolean;
  profileData?: JsonObject;
}

export interface User {
  user_id: string;
  email?: string;
  email_verified: boolean;
  blocked: boolean;
  identities: Identity[];
  app_metadata: JsonObject;
  user_metadata: JsonObject;
  updated_at?: string;
  /** Every field the API returned (profile, logins, dates), identity tokens removed. */
  raw: JsonObject;
}

export interface UserBlock {
  identifier: string;
  ip?: string;
  connection?: string;
}

// Identity provider tokens: secrets of the user at the IdP, never printed nor exported.
const IDENTITY_SECRETS = new Set(['access_token', 'access_token_secret', 'refresh_token']);

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws on a shape the tool cannot work with (a proxy or a wrong domain answering). */
export function parseUser(value: unknown): User {
  if (!isJsonObject(value) || typeof value.user_id !== 'string') {
    throw new Error('the Management API returned a user without user_id; is the domain a Management API?');
  }
  const cleaned = Array.isArray(value.identities) ? value.identities.filter(isJsonObject).map(withoutSecrets) : [];
  const identities = cleaned.map(parseIdentity);
  const raw: JsonObject = { ...value, identities: cleaned };
  return {
    user_id: value.user_id,
    ...(typeof value.email === 'string' ? { email: value.email } : {}),
    email_verified: value.email_verified === true,
    blocked: value.blocked === true,
    identities,
    app_metadata: isJsonObject(value.app_metadata) ? value.app_metadata : {},
    user_metadata: isJsonObject(value.user_metadata) ? value.user_metadata : {},
    ...(typeof value.updated_at === 'string' ? { updated_at: value.updated_at } : {}),
    raw,
  };
}

function withoutSecrets(identity: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(identity).filter(([key]) => !IDENTITY_SECRETS.has(key)));
}

function parseIdentity(clean: JsonObject): Identity {
  return {
    provider: text(clean.provider),
    // Auth0 sends numeric provider ids for some social connections.
    user_id: typeof clean.user_id === 'number' ? String(clean.user_id) : text(clean.user_id),
    connection: text(clean.connection),
    isSocial: clean.isSocial === true,
    ...(isJsonObject(clean.profileData) ? { profileData: clean.profileData } : {}),
  };
}

export function parseUserBlocks(value: unknown): UserBlock[] {
  const list = isJsonObject(value) && Array.isArray(value.blocked_for) ? value.blocked_for : [];
  return list.filter(isJsonObject).map((block) => ({
    identifier: text(block.identifier),
    ...(typeof block.ip === 'string' ? { ip: block.ip } : {}),
    ...(typeof block.connection === 'string' ? { connection: block.connection } : {}),
  }));
}

/** `provider|id` → the two parts, split at the first `|` only (ids may contain `|`). */
export function splitUserId(userId: string): { provider: string; id: string } | undefined {
  const bar = userId.indexOf('|');
  if (bar <= 0 || bar === userId.length - 1) return undefined;
  return { provider: userId.slice(0, bar), id: userId.slice(bar + 1) };
}

/** The identity that is the user's own (not a linked secondary). */
export function isOwnIdentity(user: User, identity: Identity): boolean {
  return `${identity.provider}|${identity.user_id}` === user.user_id;
}
