import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResolvedEnvironment } from '../tenant';
import { keywordContext, resolveTenantYaml } from './desired';
import type { CompareContext } from './diff';
import { fingerprinter, LEDGER_METADATA_KEY, parseEntries, type Fingerprints } from './fingerprints';
import { HANDLERS, type CurrentContext, type DesiredContext } from './handlers';
import { objectList, text } from './handlers/handler';
import { isObject, type JsonValue } from './json';
import type { ManagementApi } from './management-api';
import {
  isResourceType,
  RESOURCE_TYPES,
  type CurrentResource,
  type DesiredResource,
  type Plan,
  type ResourceChange,
  type ResourceType,
  type ValueObject,
} from './model';

/**
 * The plan: what a deploy would make the tenant look like (tenant.yaml for one environment,
 * keywords resolved, bundles built) against what the tenant is now (read through the Management
 * API: one list per resource type), resource by resource. Never needs deploy-cli.
 */

export interface DesiredState {
  /** tenant.yaml resolved for the environment (secret values wrapped). */
  document: ValueObject;
  /** Resource types tenant.yaml manages (its sections), in deploy-cli's order. */
  types: ResourceType[];
  resources: ReadonlyMap<ResourceType, DesiredResource[]>;
}

export interface CurrentState {
  resources: ReadonlyMap<ResourceType, CurrentResource[]>;
  /** Fingerprints of write-only secrets the last deploy recorded (the deploy client's metadata). */
  ledger: Fingerprints | undefined;
}

export interface PlanInput {
  environment: ResolvedEnvironment;
  tenantFile: string;
  /** This build's bundle code by Action name. */
  bundles: ReadonlyMap<string, string>;
  api: ManagementApi;
  /** The deploy client: it carries the fingerprint ledger and is the tool's own (never drift). */
  deployClientId: string;
  /** Undefined: secrets known only by fingerprint are reported as not compared. */
  fingerprintKey: string | undefined;
}

export interface PlanResult {
  plan: Plan;
  desired: DesiredState;
  current: CurrentState;
  /** Wall time of reading the tenant, for the bench. */
  readMs: number;
}

export function desiredState(
  environment: ResolvedEnvironment,
  tenantFile: string,
  bundles: ReadonlyMap<string, string>,
): DesiredState {
  const keywords = keywordContext(environment);
  const document = resolveTenantYaml(tenantFile, readFileSync(tenantFile, 'utf8'), keywords);
  const ctx: DesiredContext = { tenantDir: dirname(tenantFile), keywords, bundles };
  const types = RESOURCE_TYPES.filter((type) => document[type] !== undefined);
  const unknown = Object.keys(document).filter((key) => !isResourceType(key));
  if (unknown.length > 0)
    throw new Error(`tenant.yaml: the plan does not know the resource types ${unknown.join(', ')}`);
  return {
    document,
    types,
    resources: new Map(types.map((type) => [type, HANDLERS[type].desired(document[type] ?? null, ctx)])),
  };
}

/** Reads the types tenant.yaml manages (clients always: they name every other reference). */
export async function readTenant(
  api: ManagementApi,
  types: readonly ResourceType[],
  deployClientId: string,
): Promise<CurrentState> {
  const others = types.filter((type) => type !== 'clients');
  const [clientsRaw, ...raws] = await Promise.all([
    HANDLERS.clients.read(api),
    ...others.map((type) => HANDLERS[type].read(api)),
  ]);
  const clientList = objectList(clientsRaw ?? [], 'clients');
  const ctx = currentContext(clientList, [api.credentials.clientId, deployClientId]);
  const resources = new Map<ResourceType, CurrentResource[]>();
  if (types.includes('clients')) resources.set('clients', HANDLERS.clients.current(clientsRaw ?? [], ctx));
  others.forEach((type, i) => resources.set(type, HANDLERS[type].current(raws[i] ?? null, ctx)));
  return { resources, ledger: ledgerOf(clientList, deployClientId) };
}

export async function computePlan(input: PlanInput): Promise<PlanResult> {
  const desired = desiredState(input.environment, input.tenantFile, input.bundles);
  const started = performance.now();
  const current = await readTenant(input.api, desired.types, input.deployClientId);
  const readMs = performance.now() - started;
  const plan = comparePlan(input.environment, input.api.credentials.domain, desired, current, input.fingerprintKey);
  return { plan, desired, current, readMs };
}

export function comparePlan(
  environment: ResolvedEnvironment,
  domain: string,
  desired: DesiredState,
  current: CurrentState,
  fingerprintKey: string | undefined,
): Plan {
  const notes: string[] = [];
  const ctx: CompareContext = {
    fingerprint: fingerprintKey === undefined ? undefined : fingerprinter(fingerprintKey),
    ledger: current.ledger,
    note: (text) => notes.push(text),
  };
  const changes: ResourceChange[] = [];
  for (const type of desired.types) {
    const handler = HANDLERS[type];
    const have = new Map<string, CurrentResource>();
    const duplicates: CurrentResource[] = [];
    for (const resource of current.resources.get(type) ?? []) {
      if (have.has(resource.key)) duplicates.push(resource);
      else have.set(resource.key, resource);
    }
    const wanted = new Set<string>();
    for (const resource of desired.resources.get(type) ?? []) {
      wanted.add(resource.key);
      const existing = have.get(resource.key);
      if (!existing) {
        changes.push({ type, key: resource.key, kind: 'create', fields: [] });
        continue;
      }
      const fields = handler.compare(resource, existing, ctx);
      changes.push({ type, key: resource.key, kind: fields.length > 0 ? 'update' : 'unchanged', fields });
    }
    const drift = [...have.values()].filter((r) => !wanted.has(r.key));
    const created = (desired.resources.get(type) ?? []).filter((r) => !have.has(r.key));
    const renames = findRenames(type, created, drift);
    for (const change of changes) {
      if (change.type === type && change.kind === 'create' && renames.has(change.key))
        change.renamedFrom = renames.get(change.key);
    }
    const renamedTo = new Map([...renames].map(([to, from]) => [from, to]));
    for (const resource of drift) {
      const to = renamedTo.get(resource.key);
      changes.push({
        type,
        key: resource.key,
        kind: 'drift',
        fields: [],
        ...(to === undefined ? {} : { renamedTo: to }),
      });
    }
    for (const resource of duplicates)
      changes.push({ type, key: `${resource.key} (another with the same name)`, kind: 'drift', fields: [] });
  }
  return { environment: environment.name, domain, changes, notes };
}

/** The field that is a resource's identity for deploy-cli: changing it makes another resource. */
const IDENTITY_FIELD: Partial<Record<ResourceType, string>> = {
  clients: 'name',
  connections: 'name',
  databases: 'name',
  resourceServers: 'identifier',
  clientGrants: 'client_id',
};

/**
 * Creates that look like renames (new key → old key): the one drift resource of the type that
 * differs from the created one in its identity field only. Ambiguous pairs (several candidates
 * either way) are left as plain create and drift.
 */
function findRenames(
  type: ResourceType,
  created: readonly DesiredResource[],
  drift: readonly CurrentResource[],
): Map<string, string> {
  const field = IDENTITY_FIELD[type];
  if (field === undefined) return new Map();
  const quiet: CompareContext = { fingerprint: undefined, ledger: undefined, note: () => undefined };
  const pairs = created.flatMap((want) =>
    drift
      .filter((have) =>
        HANDLERS[type].compare(want, have, quiet).every((f) => f.path === field || f.path.startsWith(`${field}.`)),
      )
      .map((have) => ({ to: want.key, from: have.key })),
  );
  const count = (pick: (p: { to: string; from: string }) => string, key: string): number =>
    pairs.filter((p) => pick(p) === key).length;
  return new Map(
    pairs
      .filter((p) => count((x) => x.to, p.to) === 1 && count((x) => x.from, p.from) === 1)
      .map((p) => [p.to, p.from]),
  );
}

/**
 * The tool's own clients are never drift: the global "All Applications" client and the clients
 * configured by id (the one this plan reads with, the deploy client). Never by what a client
 * carries: anyone who can write client_metadata could hide a client (and its grants) that way.
 */
function currentContext(clients: readonly JsonValue[], configuredIds: readonly string[]): CurrentContext {
  const clientNames = new Map<string, string>();
  const ownClients = new Set<string>(configuredIds);
  for (const client of clients) {
    if (!isObject(client)) continue;
    const id = text(client.client_id);
    clientNames.set(id, text(client.name));
    if (client.global === true) ownClients.add(id);
  }
  return { clientNames, ownClients };
}

/** The ledger on the configured deploy client; any other client's `deploy_fingerprints` is ignored. */
function ledgerOf(clients: readonly JsonValue[], deployClientId: string): Fingerprints | undefined {
  const deployClient = clients.find((client) => isObject(client) && client.client_id === deployClientId);
  const value =
    isObject(deployClient) && isObject(deployClient.client_metadata)
      ? deployClient.client_metadata[LEDGER_METADATA_KEY]
      : undefined;
  return typeof value === 'string' ? parseEntries(value) : undefined;
}
