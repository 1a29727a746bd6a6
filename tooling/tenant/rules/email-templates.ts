import constants from 'auth0-deploy-cli/lib/tools/constants';
import { templateErrors, type TemplateFields } from '../../../local/sandbox';
import type { FieldPath, Issue } from '../../issues';
import { formatPath } from '../../issues';
import { isRecord, issueAt } from '../reader';
import type { Rule } from './context';

const LIQUID_FIX =
  'fix the Liquid (Auth0 renders it with liquidjs: only its standard tags and filters, see https://auth0.com/docs/customize/email/email-templates/supported-liquid-syntax)';

/**
 * Email templates: names Auth0 knows, one entry each, a custom provider to send them, and Liquid
 * that renders: from, subject, resultUrl and the body file, each with representative values of
 * Auth0's variables (an English user, a French one, one with no profile), as the sandbox renders
 * them (an unknown filter is an error there and in Auth0's render).
 */
export const emailTemplates: Rule = ({ manifest, loaded }) => {
  const issues: Issue[] = [];
  const known: readonly string[] = constants.EMAIL_TEMPLATES_TYPES;
  const seen = new Set<string>();
  for (const template of manifest.emailTemplates) {
    const path = [...template.path, 'template'];
    if (!known.includes(template.template))
      issues.push(
        issueAt(manifest.yaml, path, `unknown template ${template.template}`, `use one of: ${known.join(', ')}`),
      );
    if (seen.has(template.template))
      issues.push(issueAt(manifest.yaml, path, `${template.template} is defined twice`, 'keep one entry'));
    seen.add(template.template);

    const body = loaded.find(
      (file) => file.kind === 'email' && formatPath(file.path) === formatPath([...template.path, 'body']),
    );
    const fields: TemplateFields = {
      from: stringAt(manifest.yaml.value, [...template.path, 'from']),
      subject: stringAt(manifest.yaml.value, [...template.path, 'subject']),
      resultUrl: stringAt(manifest.yaml.value, [...template.path, 'resultUrl']),
      body: body?.text,
    };
    for (const error of templateErrors(fields)) {
      const problem = `${template.template} does not render: ${error.detail}`;
      if (error.field === 'body' && body) {
        issues.push({
          file: body.file,
          ...(error.line !== undefined ? { line: error.line, col: error.col ?? 1 } : {}),
          problem,
          fix: LIQUID_FIX,
        });
      } else {
        issues.push(issueAt(manifest.yaml, [...template.path, error.field], problem, LIQUID_FIX));
      }
    }
  }
  if (manifest.emailTemplates.length > 0 && !manifest.sections.includes('emailProvider')) {
    issues.push(
      issueAt(
        manifest.yaml,
        ['emailTemplates'],
        'custom email templates without an emailProvider: Auth0 sends its default templates with its built-in provider',
        'add an emailProvider: section',
      ),
    );
  }
  return issues;
};

function stringAt(value: unknown, path: FieldPath): string | undefined {
  let node = value;
  for (const segment of path) {
    if (typeof segment === 'number') node = Array.isArray(node) ? node[segment] : undefined;
    else node = isRecord(node) ? node[segment] : undefined;
  }
  return typeof node === 'string' ? node : undefined;
}
