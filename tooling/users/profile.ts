import { isDeepStrictEqual } from 'node:util';
import type { UserPatch } from './client';
import { CommandError, UsageError } from './errors';
import { type JsonObject, type JsonValue, type User } from './model';

/**
 * Rectification (`update`): the normalized-profile fields Auth0 lets a Management API client
 * change, and `user_metadata` keys. Pure: parses the edits and plans the PATCH; the command sends it.
 * https://auth0.com/docs/manage-users/user-accounts/user-profiles/normalized-user-profile-schema
 */
export const PROFILE_FIELDS = [
  'email',
  'name',
  'given_name',
  'family_name',
  'nickname',
  'picture',
  'username',
  'phone_number',
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** Inputs larger than this are refused without being echoed (ids, field values). */
export const MAX_INPUT_BYTES = 1024;
/** One user_metadata value, serialized. */
export const METADATA_VALUE_CAP = 16 * 1024;
/** The whole user_metadata after the edit: what a login session persists (https://auth0.com/docs/customize/actions/limitations). */
export const USER_METADATA_CAP = 32 * 1024;

const FIELD_PATTERN: Partial<Record<ProfileField, RegExp>> = {
  email: /^[^\s@]+@[^\s@]+$/,
  phone_number: /^\+[0-9]{1,15}$/,
  picture: /^https:\/\/\S+$/,
};
// Metadata field names may not contain "." or "$" (https://auth0.com/docs/manage-users/user-accounts/metadata/metadata-fields-data).
const META_KEY = /^[^.$\s]{1,64}$/;

export interface ProfileEdit {
  /** null removes the field. */
  fields: Partial<Record<ProfileField, string | null>>;
  /** Top-level user_metadata keys; null removes the key. */
  userMetadata: Record<string, JsonValue>;
}

export interface EditArgs {
  set: readonly string[];
  unset: readonly string[];
  setMeta: readonly string[];
  unsetMeta: readonly string[];
}

export function parseEdits(args: EditArgs): ProfileEdit {
  const edit: ProfileEdit = { fields: {}, userMetadata: {} };
  const seen = new Set<string>();
  const once = (name: string): void => {
    if (seen.has(name)) throw new UsageError(`${name} is edited twice`, 'edit each field or key once');
    seen.add(name);
  };
  for (const text of args.set) {
    const [field, value] = splitAssignment('--set', text);
    const name = profileField(field);
    once(name);
    if (Buffer.byteLength(value) > MAX_INPUT_BYTES)
      throw new UsageError(`the value for ${name} is over ${MAX_INPUT_BYTES} bytes`, 'shorten it');
    const pattern = FIELD_PATTERN[name];
    if (value === '' || (pattern && !pattern.test(value)))
      throw new UsageError(`the value for ${name} is not a valid ${name}`, valueHint(name));
    edit.fields[name] = value;
  }
  for (const field of args.unset) {
    const name = profileField(field);
    if (name === 'email') throw new UsageError('email cannot be removed', 'set another address with --set email=...');
    once(name);
    edit.fields[name] = null;
  }
  for (const text of args.setMeta) {
    const [key, json] = splitAssignment('--meta', text);
    metaKey(key);
    once(`user_metadata.${key}`);
    if (Buffer.byteLength(json) > METADATA_VALUE_CAP)
      throw new UsageError(
        `the value for user_metadata.${key} is over ${METADATA_VALUE_CAP} bytes`,
        'store less in metadata',
      );
    let value: JsonValue;
    try {
      value = JSON.parse(json) as JsonValue;
    } catch {
      throw new UsageError(`the value for user_metadata.${key} is not JSON`, `quote strings: --meta '${key}="text"'`);
    }
    if (value === null) throw new UsageError(`null would remove user_metadata.${key}`, `use --unset-meta ${key}`);
    edit.userMetadata[key] = value;
  }
  for (const key of args.unsetMeta) {
    metaKey(key);
    once(`user_metadata.${key}`);
    edit.userMetadata[key] = null;
  }
  if (seen.size === 0)
    throw new UsageError(
      'update needs at least one edit',
      'e.g. --set name="Ada Lovelace", --unset nickname, --meta theme=\'"dark"\', --unset-meta theme',
    );
  return edit;
}

export interface Change {
  /** `name`, `user_metadata.theme` */
  path: string;
  before: JsonValue | undefined;
  after: JsonValue | undefined;
}

/** The PATCH that makes `user` match `edit` (only what differs), and the changes it makes. */
export function planUpdate(user: User, edit: ProfileEdit): { patch: UserPatch; changes: Change[] } {
  const patch: UserPatch = {};
  const changes: Change[] = [];
  for (const field of PROFILE_FIELDS) {
    const wanted = edit.fields[field];
    if (wanted === undefined) continue;
    const current = user.raw[field];
    if ((wanted === null && current === undefined) || current === wanted) continue;
    patch[field] = wanted;
    changes.push({ path: field, before: current, after: wanted ?? undefined });
  }
  const metadata: JsonObject = {};
  for (const [key, wanted] of Object.entries(edit.userMetadata)) {
    const current = user.user_metadata[key];
    if ((wanted === null && current === undefined) || isDeepStrictEqual(current, wanted)) continue;
    metadata[key] = wanted;
    changes.push({ path: `user_metadata.${key}`, before: current, after: wanted ?? undefined });
  }
  if (Object.keys(metadata).length > 0) {
    const merged: JsonObject = { ...user.user_metadata };
    for (const [key, value] of Object.entries(metadata)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const size = Buffer.byteLength(JSON.stringify(merged));
    if (size > USER_METADATA_CAP) {
      throw new CommandError(
        'invalid_state',
        `user_metadata of ${user.user_id} would be ${size} bytes, over the ${USER_METADATA_CAP}-byte cap`,
        'remove keys first (--unset-meta)',
      );
    }
    patch.user_metadata = metadata;
  }
  return { patch, changes };
}

export function describeChange(change: Change): string {
  const show = (value: JsonValue | undefined): string => (value === undefined ? '(none)' : JSON.stringify(value));
  return `${change.path}: ${show(change.before)} → ${show(change.after)}`;
}

function splitAssignment(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0)
    throw new UsageError(
      `${flag} takes name=value`,
      `e.g. ${flag} ${flag === '--set' ? 'name=Ada' : 'theme=\'"dark"\''}`,
    );
  return [text.slice(0, at).trim(), text.slice(at + 1)];
}

function profileField(name: string): ProfileField {
  const field = PROFILE_FIELDS.find((candidate) => candidate === name.trim());
  if (!field) {
    throw new UsageError(
      `${name.length > 64 ? 'that field' : `"${name}"`} is not a profile field update can change`,
      `one of: ${PROFILE_FIELDS.join(', ')}; user_metadata keys with --meta / --unset-meta`,
    );
  }
  return field;
}

function metaKey(key: string): void {
  if (!META_KEY.test(key)) {
    throw new UsageError(
      `${key.length > 64 ? 'a user_metadata key' : `"${key}"`} is not a valid user_metadata key`,
      'keys are 1 to 64 characters without ".", "$" or spaces',
    );
  }
}

function valueHint(field: ProfileField): string {
  if (field === 'email') return 'an address such as ada@example.com';
  if (field === 'phone_number') return 'E.164: + and up to 15 digits';
  if (field === 'picture') return 'an https:// URL';
  return 'give a non-empty value';
}
