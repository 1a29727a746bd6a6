import type { Fingerprinter, Fingerprints } from './fingerprints';
import { KEYWORD_SCOPE } from './fingerprints';
import { isObject, jsonEqual, type JsonValue, type JsonObject } from './json';
import { SecretValue, type FieldChange, type Value, type ValueObject } from './model';
import { textDiff } from './text-diff';

/**
 * Field-level comparison of a desired resource with the tenant's. Only fields tenant.yaml sets are
 * managed: a field only the tenant has (an Auth0 default, a dashboard setting the YAML never
 * mentions) is not a change, exactly as deploy-cli, which only sends what the YAML sets, leaves it.
 */

export interface CompareContext {
  /** Undefined when the plan runs without DEPLOY_FINGERPRINT_KEY: fingerprints cannot be compared. */
  fingerprint: Fingerprinter | undefined;
  /** Fingerprints of write-only secrets recorded by the last deploy (by keyword); undefined: none. */
  ledger: Fingerprints | undefined;
  /** Things the reader should know that are not changes (a secret that could not be compared). */
  note(text: string): void;
}

export function compareFields(
  desired: ValueObject,
  current: JsonObject,
  ctx: CompareContext,
  prefix = '',
): FieldChange[] {
  return Object.entries(desired).flatMap(([key, value]) => compareValue(join(prefix, key), value, current[key], ctx));
}

export function compareValue(
  path: string,
  desired: Value,
  current: JsonValue | undefined,
  ctx: CompareContext,
): FieldChange[] {
  if (desired instanceof SecretValue) return compareSecret(path, desired, current, ctx);
  if (Array.isArray(desired)) {
    if (!containsSecret(desired))
      return jsonEqual(plain(desired), current) ? [] : [change(path, current, plain(desired))];
    if (!Array.isArray(current) || current.length !== desired.length)
      return [{ path, note: 'list holding secrets changed length' }];
    return desired.flatMap((item, i) => compareValue(`${path}[${i}]`, item, current[i], ctx));
  }
  if (desired !== null && typeof desired === 'object') {
    if (isObject(current)) return compareFields(desired, current, ctx, path);
    if (!containsSecret(desired)) return [change(path, current, plain(desired))];
    // Secrets inside: list the leaves one by one so no value is ever shown.
    return compareFields(desired, {}, ctx, path);
  }
  return jsonEqual(desired, current) ? [] : [change(path, current, desired)];
}

/**
 * A secret is compared with the tenant's value when the API returns it (in memory, never shown),
 * else with the fingerprint the last deploy recorded. Unknown counts as a change: a deploy sets it.
 */
function compareSecret(
  path: string,
  secret: SecretValue,
  current: JsonValue | undefined,
  ctx: CompareContext,
): FieldChange[] {
  const names = secret.keywords.join(', ');
  if (secret.value === undefined) {
    ctx.note(`${path}: ${names} is not set here, so it was not compared`);
    return [];
  }
  if (typeof current === 'string') return current === secret.value ? [] : [{ path, note: `secret ${names} changed` }];
  if (current !== undefined) return [{ path, note: `secret ${names} changed` }];
  const key = secret.keywords.join('+');
  const recorded = ctx.ledger?.[key];
  if (recorded === undefined)
    return [{ path, note: `secret ${names}: unknown (Auth0 does not return it), will be set` }];
  if (ctx.fingerprint === undefined) {
    ctx.note(`${path}: ${names} not compared (DEPLOY_FINGERPRINT_KEY is not set here)`);
    return [];
  }
  return recorded === ctx.fingerprint(KEYWORD_SCOPE, key, secret.value)
    ? []
    : [{ path, note: `secret ${names} changed` }];
}

export function containsSecret(value: Value): boolean {
  if (value instanceof SecretValue) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsSecret);
  return false;
}

/** Every secret leaf of a value, with its path (for the ledger and for redaction). */
export function secretLeaves(value: Value, path = ''): { path: string; secret: SecretValue }[] {
  if (value instanceof SecretValue) return [{ path, secret: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => secretLeaves(item, `${path}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => secretLeaves(item, join(path, key)));
  return [];
}

/** A desired value known to hold no secret, as JSON (throws on a secret: it must never be shown). */
export function plain(value: Value): JsonValue {
  if (value instanceof SecretValue)
    throw new Error(`the secret ${value.keywords.join(', ')} cannot be used as a plain value`);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function change(path: string, before: JsonValue | undefined, after: JsonValue): FieldChange {
  const diff =
    isLongText(before) || isLongText(after)
      ? textDiff(path, typeof before === 'string' ? before : '', typeof after === 'string' ? after : '')
      : undefined;
  return { path, ...(before === undefined ? {} : { before }), after, ...(diff === undefined ? {} : { diff }) };
}

/** Longer than a value shown inline: rendered as a line count and a diff. */
export const MAX_INLINE_VALUE = 100;

export function isLongText(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && (value.includes('\n') || value.length > MAX_INLINE_VALUE);
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}
