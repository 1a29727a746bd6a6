import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { BuiltAction } from '../../bundle';
import type { Issue } from '../../issues';
import type { ProjectPaths } from '../../paths';
import type { TenantManifest } from '../manifest';
import { issueAt } from '../reader';
import type { LoadedFile, Rule } from './context';

/**
 * The files tenant.yaml loads, as deploy-cli would read them (relative to tenant.yaml's folder).
 * Action code must be this build's bundle of the Action with the same name, so what is validated is
 * what `npm run build` writes and deploy-cli uploads.
 */
export function loadReferencedFiles(
  paths: ProjectPaths,
  manifest: TenantManifest,
  built: ReadonlyMap<string, BuiltAction>,
): LoadedFile[] {
  const actions = manifest.actions.map((action): LoadedFile => {
    const file = resolve(paths.tenantDir, action.code);
    const bundle = built.get(action.name);
    return {
      path: [...action.path, 'code'],
      file,
      kind: 'action',
      text: bundle && bundle.file === file ? bundle.code : undefined,
    };
  });
  const emails = manifest.emailTemplates.map((template): LoadedFile => {
    const file = resolve(paths.tenantDir, template.body);
    return {
      path: [...template.path, 'body'],
      file,
      kind: 'email',
      text: existsSync(file) ? readFileSync(file, 'utf8') : undefined,
    };
  });
  return [...actions, ...emails];
}

export const referencedFiles: Rule = ({ paths, manifest, built, loaded }) => {
  const issues: Issue[] = [];
  const rel = (file: string): string => relative(paths.root, file).split('\\').join('/');
  for (const action of manifest.actions) {
    const expected = built.get(action.name)?.file;
    const path = [...action.path, 'code'];
    if (expected === undefined) {
      issues.push(
        issueAt(
          manifest.yaml,
          [...action.path, 'name'],
          `no Action source ${rel(resolve(paths.actionsDir, action.name, 'index.ts'))} for Action ${action.name}`,
          'create it, or remove this Action and its bindings',
        ),
      );
    } else if (resolve(paths.tenantDir, action.code) !== expected) {
      const want = relative(paths.tenantDir, expected).split('\\').join('/');
      issues.push(
        issueAt(
          manifest.yaml,
          path,
          `${action.code} is not the bundle npm run build writes for ${action.name}`,
          `set code: ${want}`,
        ),
      );
    }
  }
  for (const file of loaded) {
    if (file.kind === 'email' && file.text === undefined) {
      issues.push(
        issueAt(
          manifest.yaml,
          file.path,
          `file not found: ${rel(file.file)}`,
          'create it, or fix the path (relative to tenant/)',
        ),
      );
    }
  }
  const declared = new Set(manifest.actions.map((a) => a.name));
  for (const action of built.values()) {
    if (!declared.has(action.name)) {
      issues.push({
        file: action.entry,
        problem: `Action ${action.name} is built but tenant.yaml does not deploy it`,
        fix: 'add it under actions: (and bind it under triggers:), or delete its folder',
      });
    }
  }
  return issues;
};
