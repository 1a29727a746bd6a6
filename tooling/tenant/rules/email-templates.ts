import constants from 'auth0-deploy-cli/lib/tools/constants';
import type { Issue } from '../../issues';
import { issueAt } from '../reader';
import type { Rule } from './context';

/** Email templates: names Auth0 knows, one entry each, and a custom provider to send them. */
export const emailTemplates: Rule = ({ manifest }) => {
  const issues: Issue[] = [];
  const known: readonly string[] = constants.EMAIL_TEMPLATES_TYPES;
  const seen = new Set<string>();
  for (const template of manifest.emailTemplates) {
    const path = [...template.path, 'template'];
    if (!known.includes(template.template)) issues.push(issueAt(manifest.yaml, path, `unknown template ${template.template}`, `use one of: ${known.join(', ')}`));
    if (seen.has(template.template)) issues.push(issueAt(manifest.yaml, path, `${template.template} is defined twice`, 'keep one entry'));
    seen.add(template.template);
  }
  if (manifest.emailTemplates.length > 0 && !manifest.sections.includes('emailProvider')) {
    issues.push(issueAt(manifest.yaml, ['emailTemplates'], 'custom email templates without an emailProvider: Auth0 sends its default templates with its built-in provider', 'add an emailProvider: section'));
  }
  return issues;
};
