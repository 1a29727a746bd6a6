import type { Issue } from '../../issues';
import { issueAt } from '../reader';
import type { Rule } from './context';

/**
 * Action secrets: declared in tenant.yaml exactly as the code reads them (both directions), and
 * valued by a keyword only, so no secret value is ever written in tenant.yaml.
 */
export const secrets: Rule = ({ manifest, built }) => {
  const issues: Issue[] = [];
  for (const action of manifest.actions) {
    const secretsPath = [...action.path, 'secrets'];
    const declared = new Map<string, number>();
    action.secrets.forEach((secret, i) => {
      if (declared.has(secret.name)) {
        issues.push(
          issueAt(manifest.yaml, [...secret.path, 'name'], `${secret.name} is declared twice`, 'keep one entry'),
        );
      }
      declared.set(secret.name, i);
      if (typeof secret.value !== 'string' || !/^##[A-Za-z0-9_]+##$/.test(secret.value)) {
        issues.push(
          issueAt(
            manifest.yaml,
            [...secret.path, 'value'],
            `the value of ${secret.name} is not a keyword, so it would be written in this file`,
            `use value: '##${secret.name}##' and give it a value per environment (tenant/environments/)`,
          ),
        );
      }
    });

    const bundle = built.get(action.name);
    if (!bundle) continue; // reported by the files rule
    for (const name of bundle.scan.secrets) {
      if (!declared.has(name)) {
        issues.push(
          issueAt(
            manifest.yaml,
            secretsPath,
            `${name} is read by the code but not declared`,
            `add {name: ${name}, value: '##${name}##'}`,
          ),
        );
      }
    }
    for (const [name, i] of declared) {
      if (!bundle.scan.secrets.includes(name)) {
        issues.push(
          issueAt(
            manifest.yaml,
            [...secretsPath, i],
            `${name} is declared but no code of ${action.name} reads it`,
            `remove it, or read it as event.secrets.${name}`,
          ),
        );
      }
    }
    for (const snippet of bundle.scan.untraceableSecrets) {
      issues.push({
        file: bundle.entry,
        problem: `${action.name} reads event.secrets in a way validation cannot follow: \`${snippet}\``,
        fix: 'read each secret as event.secrets.NAME (directly or through `const secrets = event.secrets`)',
      });
    }
  }
  return issues;
};
