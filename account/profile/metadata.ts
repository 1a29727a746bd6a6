/**
 * What a user may change of their own `user_metadata` on the profile page (and the profile API),
 * validated as override-profile reads it (that Action turns these fields into ID token claims and
 * ignores invalid values; here they are refused before anything is stored). An allow-list: any
 * other field is refused, and `app_metadata` is never written from user input.
 *
 * The account image carries `account/` only, so the rules are restated here rather than imported
 * from actions/; test/account/profile-metadata.test.ts checks they agree with the Action's.
 */

/** Longest value per name field (Auth0's limits for the root attributes, as override-profile). */
export const NAME_FIELDS = { given_name: 150, family_name: 150, name: 300, nickname: 300 } as const;
const MAX_URL_CHARS = 2048;

export type EditableField = keyof typeof NAME_FIELDS | 'picture' | 'preferred_language';
export const EDITABLE_FIELDS: readonly EditableField[] = [
  ...(Object.keys(NAME_FIELDS) as (keyof typeof NAME_FIELDS)[]),
  'picture',
  'preferred_language',
];

/** Stable codes the page and the API translate; never the value. */
export type FieldProblem = 'not_allowed' | 'not_text' | 'too_long' | 'undisplayable' | 'not_https_url' | 'not_enabled';

/** A PATCH body for the Management API: a value sets the field, null removes it. */
export type MetadataPatch = Partial<Record<EditableField, string | null>>;

export type EditResult =
  { ok: true; patch: MetadataPatch } | { ok: false; problems: Partial<Record<string, FieldProblem>> };

/** Controls, format characters (bidi, zero-width), separators, lone surrogates. */
const UNDISPLAYABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

type Checked = { value: string } | { problem: FieldProblem };

function nameValue(value: string, max: number): Checked {
  const text = value.trim();
  if (text.length > max) return { problem: 'too_long' };
  if (UNDISPLAYABLE.test(text)) return { problem: 'undisplayable' };
  return { value: text };
}

function pictureValue(value: string): Checked {
  if (value.length > MAX_URL_CHARS) return { problem: 'too_long' };
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { problem: 'not_https_url' };
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '')
    return { problem: 'not_https_url' };
  const normalised = url.toString();
  return normalised.length <= MAX_URL_CHARS ? { value: normalised } : { problem: 'too_long' };
}

function languageValue(value: string, enabledLocales: readonly string[]): Checked {
  const tag = value.trim();
  return enabledLocales.includes(tag) ? { value: tag } : { problem: 'not_enabled' };
}

/**
 * The submitted fields (form or JSON), each a string: an empty one removes the field. Every
 * problem is reported at once, and any problem means nothing is stored.
 */
export function validateEdit(input: Readonly<Record<string, unknown>>, enabledLocales: readonly string[]): EditResult {
  const patch: MetadataPatch = {};
  const problems: Partial<Record<string, FieldProblem>> = {};
  for (const [field, raw] of Object.entries(input)) {
    if (!(EDITABLE_FIELDS as readonly string[]).includes(field)) {
      problems[field] = 'not_allowed';
      continue;
    }
    const key = field as EditableField;
    if (typeof raw !== 'string') {
      problems[key] = 'not_text';
      continue;
    }
    if (raw.trim() === '') {
      patch[key] = null;
      continue;
    }
    const checked =
      key === 'picture'
        ? pictureValue(raw)
        : key === 'preferred_language'
          ? languageValue(raw, enabledLocales)
          : nameValue(raw, NAME_FIELDS[key]);
    if ('problem' in checked) problems[key] = checked.problem;
    else patch[key] = checked.value;
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, patch };
}
