import type { CompareContext } from '../diff';
import type { KeywordContext } from '../desired';
import { isObject, omit, type JsonValue, type JsonObject } from '../json';
import type { ManagementApi } from '../management-api';
import {
  SecretValue,
  type CurrentResource,
  type DesiredResource,
  type FieldChange,
  type ResourceType,
  type Value,
  type ValueObject,
} from '../model';

/**
 * One resource type, like deploy-cli's one handler per type: how to read it from the tenant, how
 * tenant.yaml declares it, and how the two compare. Both sides come out in one shape: names instead
 * of ids, server-generated fields dropped.
 */
export interface Handler {
  type: ResourceType;
  /** Everything the tenant has of this type, as the Management API returns it. */
  read(api: ManagementApi): Promise<JsonValue>;
  /** The tenant's resources, normalised; the tool's own (deploy client, system API) left out. */
  current(raw: JsonValue, ctx: CurrentContext): CurrentResource[];
  /** What tenant.yaml's section declares (keywords resolved). */
  desired(section: Value, ctx: DesiredContext): DesiredResource[];
  /** Differences of a resource both sides have; empty when unchanged. */
  compare(desired: DesiredResource, current: CurrentResource, ctx: CompareContext): FieldChange[];
}

export interface CurrentContext {
  /** Client id → name, for every client of the tenant. */
  clientNames: ReadonlyMap<string, string>;
  /** The tool's own clients (the deploy client, the reading client, the global client): never drift. */
  ownClients: ReadonlySet<string>;
}

export interface DesiredContext {
  /** tenant.yaml's folder: `body:` paths resolve against it, as in deploy-cli. */
  tenantDir: string;
  keywords: KeywordContext;
  /** This build's bundle of each Action. */
  bundles: ReadonlyMap<string, string>;
}

/** A list section of tenant.yaml as objects; the validator has checked the shape already. */
export function items(section: Value, type: string): ValueObject[] {
  if (!Array.isArray(section)) throw new Error(`tenant.yaml ${type}: expected a list`);
  return section.map((item, i) => {
    if (!isValueObject(item)) throw new Error(`tenant.yaml ${type}[${i}]: expected a mapping`);
    return item;
  });
}

export function singleton(section: Value, type: string): ValueObject {
  if (!isValueObject(section)) throw new Error(`tenant.yaml ${type}: expected a mapping`);
  return section;
}

export function isValueObject(value: Value | undefined): value is ValueObject {
  return (
    value !== null &&
    value !== undefined &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof SecretValue)
  );
}

export function text(value: Value | JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

export function objectList(raw: JsonValue, type: string): JsonObject[] {
  if (!Array.isArray(raw) || !raw.every(isObject))
    throw new Error(`${type}: the tenant's answer is not a list of objects`);
  return raw;
}

export function strip(object: JsonObject, readOnly: readonly string[]): JsonObject {
  return omit(object, readOnly);
}

/** Sorted copy of a string list (lists whose order Auth0 does not keep: enabled clients, scopes). */
export function sortedStrings(value: Value | JsonValue | undefined): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? [...(value as string[])].sort()
    : undefined;
}
