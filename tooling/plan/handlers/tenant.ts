import { compareFields } from '../diff';
import { isObject, type JsonValue, type JsonObject } from '../json';
import type { Value, ValueObject } from '../model';
import type { Handler } from './handler';
import { singleton, strip } from './handler';

/**
 * Tenant settings: one resource. Session lifetimes have two representations: hours
 * (`session_lifetime`, what GET returns and tenant.yaml writes) and minutes
 * (`session_lifetime_in_minutes`, what deploy-cli sends and PATCH accepts). Both sides are put in
 * hours, to the minute, before comparing: otherwise equal values in two shapes would be a change
 * that no deploy can ever clear.
 */
export const tenant: Handler = {
  type: 'tenant',
  read: (api) => api.get('/tenants/settings'),
  current(raw) {
    if (!isObject(raw)) throw new Error('tenant settings: expected an object');
    return [{ type: 'tenant', key: '', value: inHours(strip(raw, ['sandbox_versions_available'])) }];
  },
  desired: (section) => [{ type: 'tenant', key: '', value: inHours(singleton(section, 'tenant')) }],
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};

/** Lifetimes Auth0 takes in hours or, with `_in_minutes`, in minutes. */
export const LIFETIMES = [
  'session_lifetime',
  'idle_session_lifetime',
  'ephemeral_session_lifetime',
  'idle_ephemeral_session_lifetime',
] as const;

/** Each lifetime in hours rounded to the minute (the hours field wins when both are set), the minutes field dropped. */
export function inHours<T extends JsonObject | ValueObject>(settings: T): T {
  const out: Record<string, Value | JsonValue> = { ...settings };
  for (const field of LIFETIMES) {
    const minutesField = `${field}_in_minutes`;
    const hours = out[field];
    const minutes = out[minutesField];
    const value = typeof hours === 'number' ? hours : typeof minutes === 'number' ? minutes / 60 : undefined;
    if (value === undefined) continue;
    delete out[minutesField];
    out[field] = Math.round(value * 60) / 60;
  }
  return out as T;
}
