import { relative } from 'node:path';

/**
 * One problem found by the build or the validator, phrased for the person who has to fix it:
 * where (file, line, field), what is wrong, and what to do. Never carries a secret value.
 */
export interface Issue {
  /** Absolute path of the file at fault. */
  file: string;
  line?: number;
  col?: number;
  /** Dotted path inside the file, e.g. `actions[2].secrets`. */
  field?: string;
  problem: string;
  fix: string;
}

/** `tenant/tenant.yaml:41:7: actions[2].secrets: TERMS_URL is read ... — add ...` */
export function formatIssue(issue: Issue, root: string): string {
  const where = relative(root, issue.file) + (issue.line === undefined ? '' : `:${issue.line}:${issue.col ?? 1}`);
  return `${where}: ${issue.field === undefined ? '' : `${issue.field}: `}${issue.problem} — ${issue.fix}`;
}

/** Thrown when a step cannot go on (unreadable YAML, a failed build); carries every issue found. */
export class IssueError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map((i) => `${i.file}: ${i.field ?? ''} ${i.problem}`).join('\n'));
    this.name = 'IssueError';
  }
}

export type FieldPath = readonly (string | number)[];

/** `['actions', 2, 'secrets']` → `actions[2].secrets` */
export function formatPath(path: FieldPath): string {
  return path.reduce<string>(
    (out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out === '' ? seg : `${out}.${seg}`),
    '',
  );
}
