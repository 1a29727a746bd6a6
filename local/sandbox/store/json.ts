import type { JsonObject } from '../../../actions/platform/json';

// Documents are stored as TEXT columns and sent over the wire as JSON.
export type { JsonObject, JsonPrimitive, JsonValue } from '../../../actions/platform/json';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a document column written by this store; the store is the only writer. */
export function parseDoc<T>(text: string): T {
  return JSON.parse(text) as T;
}

/**
 * Auth0's metadata PATCH semantics: root keys are merged, a `null` value deletes the key, nested
 * objects are replaced as a whole, and patching with `{}` clears the metadata.
 */
export function mergeMetadata(current: JsonObject, patch: JsonObject): JsonObject {
  if (Object.keys(patch).length === 0) return {};
  const merged: JsonObject = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/**
 * The PATCH semantics of most resources: a field sent replaces the stored one, and `null` removes
 * it, or resets it to `resetTo[field]` where the resource always has that field (`options: {}`).
 */
export function applyPatch<T extends Record<string, unknown>>(
  document: T,
  patch: Record<string, unknown>,
  resetTo: Record<string, unknown> = {},
): T {
  const next: Record<string, unknown> = { ...document };
  for (const [field, value] of Object.entries(patch)) {
    if (value !== null) next[field] = value;
    else if (field in resetTo) next[field] = resetTo[field];
    else delete next[field];
  }
  return next as T;
}
