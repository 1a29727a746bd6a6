import type { Event } from '../platform/post-login';
import { asRecord } from '../lib/untrusted';

/**
 * The user's own profile choices (user_metadata) become standard ID token claims, because social
 * connections overwrite the root profile at each login and applications read the ID token.
 * user_metadata is user-editable: every value is validated, invalid ones are ignored.
 */

/** Longest value kept per claim (Auth0's own limits for the root attributes). */
const NAME_FIELDS = { name: 300, given_name: 150, family_name: 150, nickname: 300 } as const;
const MAX_URL_CHARS = 2048;
const MAX_LANGUAGE_TAG_CHARS = 35;

export type ProfileClaim = keyof typeof NAME_FIELDS | 'picture' | 'locale';

export interface Overrides {
  claims: Partial<Record<ProfileClaim, string>>;
  /** user_metadata field names whose values were ignored (for the log; never the values). */
  invalid: string[];
}

export function decide(event: Event): Overrides {
  const metadata = asRecord(event.user?.user_metadata) ?? {};
  const result: Overrides = { claims: {}, invalid: [] };
  const consider = (field: string, claim: ProfileClaim, valid: (value: unknown) => string | undefined): void => {
    if (!Object.hasOwn(metadata, field)) return;
    const value = valid(metadata[field]);
    if (value === undefined) result.invalid.push(field);
    else result.claims[claim] = value;
  };
  for (const [field, max] of Object.entries(NAME_FIELDS) as [keyof typeof NAME_FIELDS, number][]) {
    consider(field, field, (value) => displayText(value, max));
  }
  consider('picture', 'picture', httpsUrl);
  consider('preferred_language', 'locale', languageTag);
  return result;
}

/**
 * Characters a display name must not hold: controls, format characters (bidi marks and overrides,
 * zero-width and invisible characters, soft hyphen, tags), line and paragraph separators, and lone
 * surrogates (not text at all). Invisible or reordering characters let one name pass for another.
 */
const UNDISPLAYABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Trimmed, non-empty, at most `max` characters, nothing undisplayable. */
export function displayText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text !== '' && text.length <= max && !UNDISPLAYABLE.test(text) ? text : undefined;
}

/**
 * An absolute https URL without credentials, in the normalised form the claim carries, which must
 * itself fit: percent-encoding can make it up to nine times longer than the input. The input is
 * bounded first so a huge value is not parsed at all.
 */
export function httpsUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_URL_CHARS) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') return undefined;
  const normalised = url.toString();
  return normalised.length <= MAX_URL_CHARS ? normalised : undefined;
}

/**
 * ISO 639 codes that name no language: undetermined, uncoded, multiple, no linguistic content.
 * Intl knows some of them by name, but none is a language to show a user interface in.
 */
const SPECIAL_LANGUAGES: ReadonlySet<string> = new Set(['und', 'mis', 'mul', 'zxx']);

/** Built once per instance (constructing it costs more than the rest of the Action). */
const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * A well-formed BCP 47 tag whose language is a known one (CLDR, through Intl), in canonical form
 * (e.g. `en-us` → `en-US`). Well-formedness alone would accept any 5-8 letter word, like `english`.
 */
export function languageTag(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > MAX_LANGUAGE_TAG_CHARS) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    if (!canonical) return undefined;
    const language = new Intl.Locale(canonical).language;
    if (SPECIAL_LANGUAGES.has(language)) return undefined;
    return LANGUAGE_NAMES.of(language) ? canonical : undefined;
  } catch {
    return undefined;
  }
}
