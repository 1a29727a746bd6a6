import { isLongText, MAX_INLINE_VALUE } from '../diff';
import type { JsonValue } from '../json';
import { label, pendingChanges, type FieldChange, type Plan, type ResourceChange, type ResourceType } from '../model';

/** Wording shared by the terminal and Markdown renderings. Only ever handles non-secret values. */

export function summary(plan: Plan): string {
  const count = (kind: ResourceChange['kind']): number => plan.changes.filter((c) => c.kind === kind).length;
  if (pendingChanges(plan).length === 0) {
    const n = count('unchanged');
    return `No changes: the tenant matches tenant.yaml for ${plan.environment} (${n} resource${n === 1 ? '' : 's'}).`;
  }
  return [
    `${count('create')} to create`,
    `${count('update')} to update`,
    `${count('drift')} only in the tenant (drift)`,
    `${count('unchanged')} unchanged`,
  ].join(', ');
}

export function heading(plan: Plan): string {
  return `Tenant plan for ${plan.environment} (${plan.domain})`;
}

export function resourceLabel(change: ResourceChange): string {
  return label(change);
}

/** `path: before → after`, or `path: note` when values are not shown. */
export function describeField(field: FieldChange): string {
  if (field.note !== undefined) return `${field.path}: ${field.note}`;
  const before = field.before === undefined ? '(not set)' : show(field.before);
  const after = field.after === undefined ? '(not set)' : show(field.after);
  if (isLongText(field.before) || isLongText(field.after))
    return `${field.path}: text changed (${lines(field.before)} → ${lines(field.after)} lines)`;
  return `${field.path}: ${before} → ${after}`;
}

export const DRIFT_NOTE = 'only in the tenant: left alone (npm run deploy -- --allow-delete removes it)';

/** What happens to the resource as a whole (its fields are listed apart). */
export function describeChange(change: ResourceChange): string {
  if (change.kind === 'create' && change.renamedFrom !== undefined) {
    return `rename of "${change.renamedFrom}": a deploy creates a new ${noun(change)} (${consequence(change)}) and leaves "${change.renamedFrom}" in the tenant; to keep it, rename it in the tenant first`;
  }
  if (change.kind === 'drift' && change.renamedTo !== undefined)
    return `renamed to "${change.renamedTo}" in tenant.yaml: ${DRIFT_NOTE}`;
  return change.kind === 'drift' ? DRIFT_NOTE : change.kind;
}

const NOUNS: Partial<Record<ResourceType, string>> = {
  clients: 'client',
  clientGrants: 'grant',
  resourceServers: 'API',
  connections: 'connection',
  databases: 'connection',
  actions: 'Action',
};

function noun(change: ResourceChange): string {
  return NOUNS[change.type] ?? 'resource';
}

/** Why a rename is not a rename to Auth0: resources are matched by name (an API by identifier). */
function consequence(change: ResourceChange): string {
  if (change.type === 'clients')
    return 'a new client_id and secret: every application configured with the old ones must change';
  if (change.type === 'resourceServers')
    return 'an API identifier cannot change: tokens for the old audience stop matching';
  if (change.type === 'connections' || change.type === 'databases') return 'its users stay on the old one';
  return 'a new id';
}

function show(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > MAX_INLINE_VALUE ? `${text.slice(0, MAX_INLINE_VALUE - 1)}…` : text;
}

function lines(value: JsonValue | undefined): number {
  return typeof value === 'string' ? value.split('\n').length : 0;
}
