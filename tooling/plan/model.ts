import type { JsonValue, JsonObject, JsonPrimitive } from './json';

/**
 * The plan's vocabulary: resources on both sides in one shape (names, never ids), and what would
 * change. Secret values never reach a `FieldChange`: only their names and a note do.
 */

/** tenant.yaml sections (= deploy-cli resource types) the plan compares, in deploy-cli's order. */
export const RESOURCE_TYPES = [
  'tenant',
  'attackProtection',
  'resourceServers',
  'clients',
  'actions',
  'databases',
  'connections',
  'emailProvider',
  'clientGrants',
  'emailTemplates',
  'triggers',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}

/**
 * A value tenant.yaml takes from a secret keyword (or an Action secret, which Auth0 never returns).
 * `value` is undefined when the variable holding it is not set where the plan runs.
 */
export class SecretValue {
  constructor(
    /** The secret keywords the YAML text used for this value (what a reviewer may see). */
    readonly keywords: readonly string[],
    readonly value: string | undefined,
  ) {}

  toJSON(): never {
    throw new Error(`refusing to serialise the secret ${this.keywords.join(', ')}`);
  }
}

/** Desired values: JSON whose leaves may be secrets. */
export type Value = JsonPrimitive | SecretValue | Value[] | ValueObject;
export interface ValueObject {
  [key: string]: Value;
}

export interface Resource<V> {
  type: ResourceType;
  /** Identity on both sides: name, template, identifier, `client → audience`, trigger id; '' for singletons. */
  key: string;
  value: V;
}
export type DesiredResource = Resource<ValueObject>;
export type CurrentResource = Resource<JsonObject>;

export type ChangeKind = 'create' | 'update' | 'unchanged' | 'drift';

export interface FieldChange {
  /** Dotted path of the field, e.g. `flags.enable_client_connections`, `secrets.TERMS_URL`. */
  path: string;
  /** Absent: the side does not set it. Never present for a secret. */
  before?: JsonValue;
  after?: JsonValue;
  /** What changed when values are not shown: secrets, code, long texts. */
  note?: string;
  /** Unified diff tenant → repository of a text (email body, Action code), bounded; never of a secret. */
  diff?: string;
}

export interface ResourceChange {
  type: ResourceType;
  key: string;
  kind: ChangeKind;
  fields: FieldChange[];
  /** A create that looks like a rename: the drift resource it would replace (same fields but its identity). */
  renamedFrom?: string;
  /** A drift resource whose replacement tenant.yaml creates under another identity. */
  renamedTo?: string;
}

export interface Plan {
  environment: string;
  domain: string;
  /** Every compared resource, unchanged ones included, in RESOURCE_TYPES order. */
  changes: ResourceChange[];
  /** What the reader should know that is not a change (secrets that could not be compared...). */
  notes: string[];
}

export function pendingChanges(plan: Plan): ResourceChange[] {
  return plan.changes.filter((c) => c.kind !== 'unchanged');
}

/** Exit code of `npm run plan`: 0 nothing to do, 2 changes or drift (1 is an error). */
export function planExitCode(plan: Plan): 0 | 2 {
  return pendingChanges(plan).length > 0 ? 2 : 0;
}

export function label(change: Pick<ResourceChange, 'type' | 'key'>): string {
  return change.key === '' ? change.type : `${change.type} ${change.key}`;
}
