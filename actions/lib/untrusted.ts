/**
 * Readers for untrusted JSON (metadata, Management API answers, token claims).
 * They never throw: whatever arrives, the caller gets a typed value or "absent"/"malformed".
 */

export type UnknownRecord = Record<string, unknown>;

/** A plain JSON object, or undefined for anything else (arrays and null included). */
export function asRecord(value: unknown): UnknownRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as UnknownRecord) : undefined;
}

/** A string with at least one non-blank character, returned unchanged. */
export function asNonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export type StringList =
  | { kind: 'absent' }
  | { kind: 'list'; items: string[] }
  /** Present but not an array: the caller decides which way that fails. */
  | { kind: 'malformed' };

/** An array of strings; non-string entries are dropped (they can never match an id or a name). */
export function readStringList(value: unknown): StringList {
  if (value === undefined || value === null) return { kind: 'absent' };
  if (!Array.isArray(value)) return { kind: 'malformed' };
  return { kind: 'list', items: value.filter((item): item is string => typeof item === 'string') };
}

/** An ISO 8601 date or timestamp as epoch ms, or undefined (impossible dates like 02-30 included). */
export function parseIsoTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
