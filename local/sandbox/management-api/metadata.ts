import { badRequest } from '../errors';
import type { JsonValue } from '../store/json';

/**
 * Auth0 documents no nesting limit; real metadata is a few levels deep. The sandbox refuses deeper
 * documents up front with a clear 400 instead of failing (stack overflow) while storing them.
 */
export const MAX_METADATA_DEPTH = 100;

/** A metadata field name that Auth0 refuses: it may not contain "." or "$" (https://auth0.com/docs/manage-users/user-accounts/metadata/metadata-fields-data). */
const FORBIDDEN_KEY_CHARACTERS = /[.$]/;

interface PendingValue {
  value: JsonValue;
  path: string;
  depth: number;
}

/**
 * The first problem in a metadata document (`path` is where, e.g. `user_metadata.a[0]`), or
 * undefined. Walks with an explicit stack so that a deep document cannot overflow the call stack.
 */
export function metadataProblem(metadata: JsonValue, rootPath: string): { path: string; problem: string } | undefined {
  const pending: PendingValue[] = [{ value: metadata, path: rootPath, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path, depth } = next;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_METADATA_DEPTH)
      return { path, problem: `Metadata is nested more than ${MAX_METADATA_DEPTH} levels deep` };
    if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEY_CHARACTERS.test(key))
        return { path, problem: `Metadata field names cannot contain "." or "$": ${key}` };
      pending.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return undefined;
}

/** 400 in Auth0's payload-validation shape for the first bad app_metadata or user_metadata. */
export function assertValidMetadata(body: { app_metadata?: JsonValue; user_metadata?: JsonValue }): void {
  for (const field of ['app_metadata', 'user_metadata'] as const) {
    const metadata = body[field];
    if (metadata === undefined) continue;
    const found = metadataProblem(metadata, field);
    if (found) throw badRequest(`Payload validation error: '${found.problem}' on property ${found.path}.`);
  }
}
