import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIssue } from '../../tooling/issues';
import { projectPaths, REPO_ROOT, type ProjectPaths } from '../../tooling/paths';
import { checkTenant, type CheckOptions, type CheckResult } from '../../tooling/tenant';

/** Values for every secret the environment files name (what CI or the sandbox script would set). */
export const ALL_SECRETS: Readonly<Record<string, string>> = {
  TENANT_LINKING_SESSION_TOKEN_SECRET: 'test-linking-session-token-secret-0123456789',
  TENANT_TERMS_SESSION_TOKEN_SECRET: 'test-terms-session-token-secret-0123456789ab',
  TENANT_MGMT_CLIENT_ID: 'test-mgmt-client-id',
  TENANT_MGMT_CLIENT_SECRET: 'test-mgmt-client-secret',
  TENANT_GOOGLE_CLIENT_SECRET: 'test-google-client-secret',
  TENANT_SMTP_PASSWORD: 'test-smtp-password',
};

export interface TenantCopy {
  paths: ProjectPaths;
  /** Rewrites a file of the copy; fails if `change` leaves it as it was (the test would prove nothing). */
  edit(relativePath: string, change: (text: string) => string): void;
  write(relativePath: string, text: string): void;
  /** Runs validation and returns the issues as printed (paths relative to the copy). */
  check(options?: Partial<CheckOptions>): Promise<string[]>;
  run(options?: Partial<CheckOptions>): Promise<CheckResult>;
}

const copies: string[] = [];

/** A throwaway copy of the real tenant, Actions and lockfile, to break one thing at a time. */
export function tenantCopy(): TenantCopy {
  const root = mkdtempSync(join(tmpdir(), 'tenant-test-'));
  copies.push(root);
  cpSync(join(REPO_ROOT, 'tenant'), join(root, 'tenant'), { recursive: true });
  cpSync(join(REPO_ROOT, 'actions'), join(root, 'actions'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package-lock.json'), join(root, 'package-lock.json'));
  const paths = projectPaths(root);
  const run = (options: Partial<CheckOptions> = {}): Promise<CheckResult> =>
    checkTenant({ paths, env: 'sandbox', vars: {}, requireSecrets: false, ...options });
  return {
    paths,
    edit(relativePath, change) {
      const file = join(root, relativePath);
      const before = readFileSync(file, 'utf8');
      const after = change(before);
      if (after === before) throw new Error(`edit of ${relativePath} changed nothing`);
      writeFileSync(file, after);
    },
    write: (relativePath, text) => writeFileSync(join(root, relativePath), text),
    run,
    check: async (options) => (await run(options)).issues.map((i) => formatIssue(i, root)),
  };
}

export function removeCopies(): void {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** `text` with the first occurrence of `find` replaced; throws if absent, so edits cannot rot. */
export function replaceOnce(text: string, find: string, replacement: string): string {
  const at = text.indexOf(find);
  if (at === -1) throw new Error(`not found: ${find}`);
  return text.slice(0, at) + replacement + text.slice(at + find.length);
}

/**
 * `line:col` of `token` on the first line containing `lineWith`, in a file of the real repository:
 * expected positions follow tenant/ as it is edited instead of being hard-coded.
 */
export function pos(relativePath: string, lineWith: string, token: string = lineWith): string {
  const lines = readFileSync(join(REPO_ROOT, relativePath), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(lineWith));
  const col = lines[index]?.indexOf(token) ?? -1;
  if (index === -1 || col === -1) throw new Error(`not found in ${relativePath}: ${lineWith} / ${token}`);
  return `${index + 1}:${col + 1}`;
}

/** Number of lines of a file of the real repository (positions of lines a test appends). */
export function lineCount(relativePath: string): number {
  return readFileSync(join(REPO_ROOT, relativePath), 'utf8').split('\n').length;
}
