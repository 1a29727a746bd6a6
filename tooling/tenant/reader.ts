import { formatPath, type FieldPath, type Issue } from '../issues';
import type { YamlFile } from '../yaml';

/**
 * Checks the shape of untrusted YAML data field by field, collecting one issue per bad field (with
 * its line) instead of stopping at the first, and returning only values of the expected type.
 */
export class ShapeReader {
  readonly issues: Issue[] = [];

  constructor(readonly yaml: YamlFile) {}

  issue(path: FieldPath, problem: string, fix: string): void {
    this.issues.push(issueAt(this.yaml, path, problem, fix));
  }

  record(value: unknown, path: FieldPath): Record<string, unknown> | undefined {
    if (isRecord(value)) return value;
    this.issue(path, `must be a mapping, found ${describe(value)}`, 'write it as `key: value` lines');
    return undefined;
  }

  list(value: unknown, path: FieldPath): unknown[] | undefined {
    if (Array.isArray(value)) return value as unknown[];
    this.issue(path, `must be a list, found ${describe(value)}`, 'write it as `- item` lines or `[a, b]`');
    return undefined;
  }

  string(value: unknown, path: FieldPath): string | undefined {
    if (typeof value === 'string' && value !== '') return value;
    this.issue(path, `must be a non-empty string, found ${describe(value)}`, 'quote the value');
    return undefined;
  }

  /** A list of mappings; each item is handed to `read` with its path, bad items are skipped. */
  items<T>(
    value: unknown,
    path: FieldPath,
    read: (item: Record<string, unknown>, path: FieldPath) => T | undefined,
  ): T[] {
    if (value === undefined) return [];
    const items = this.list(value, path) ?? [];
    return items.flatMap((item, i) => {
      const record = this.record(item, [...path, i]);
      const parsed = record && read(record, [...path, i]);
      return parsed === undefined ? [] : [parsed];
    });
  }
}

export function issueAt(yaml: YamlFile, path: FieldPath, problem: string, fix: string): Issue {
  return { file: yaml.file, ...yaml.locate(path), field: path.length > 0 ? formatPath(path) : undefined, problem, fix };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (value === '') return 'an empty string';
  if (value instanceof Date) return 'a date (quote it to keep it a string)';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}
