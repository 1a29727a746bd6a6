import type { Json } from '../json';
import { label, pendingChanges, type FieldChange, type Plan, type ResourceChange } from '../model';

/** Wording shared by the terminal and Markdown renderings. Only ever handles non-secret values. */

const MAX_VALUE = 100;

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
  if (isLongText(field.before) || isLongText(field.after)) return `${field.path}: text changed (${lines(field.before)} → ${lines(field.after)} lines)`;
  return `${field.path}: ${before} → ${after}`;
}

export const DRIFT_NOTE = 'only in the tenant: left alone (npm run deploy -- --allow-delete removes it)';

function show(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function isLongText(value: Json | undefined): boolean {
  return typeof value === 'string' && (value.includes('\n') || value.length > MAX_VALUE);
}

function lines(value: Json | undefined): number {
  return typeof value === 'string' ? value.split('\n').length : 0;
}
