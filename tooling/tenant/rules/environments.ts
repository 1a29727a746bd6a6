import { existsSync, readFileSync } from 'node:fs';
import type { Issue } from '../../issues';
import type { EnvironmentFile } from '../environments';
import { issueAt } from '../reader';
import type { Rule } from './context';

/**
 * Across environment files: a keyword that is a secret somewhere is a secret everywhere (its value
 * never sits in a file), and tenant/.env.example documents exactly the variables they name, empty.
 */
export const environmentFiles: Rule = ({ paths, environments }) => {
  const issues: Issue[] = [];
  const secretIn = namesBy(environments, (env) => env.secrets.keys());
  for (const env of environments) {
    for (const keyword of env.keywords.keys()) {
      const others = secretIn.get(keyword);
      if (others !== undefined) {
        issues.push(
          issueAt(
            env.yaml,
            ['keywords', keyword],
            `${keyword} is a secret in ${others.join(', ')} but its value is written here`,
            'move it under secrets: with an environment variable, and rotate the value if it was real',
          ),
        );
      }
    }
  }

  const variables = namesBy(environments, (env) => env.secrets.values());
  if (!existsSync(paths.envExample)) {
    return [
      ...issues,
      {
        file: paths.envExample,
        problem: 'missing: nothing documents the secret environment variables',
        fix: `create it with one empty line per variable: ${[...variables.keys()].join(', ')}`,
      },
    ];
  }
  const documented = new Set<string>();
  readFileSync(paths.envExample, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const line = text.trim();
      if (line === '' || line.startsWith('#')) return;
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      const where = { file: paths.envExample, line: i + 1, col: 1 };
      if (!match?.[1]) {
        issues.push({ ...where, problem: 'not a NAME= line', fix: 'write NAME= (no value) or a # comment' });
        return;
      }
      documented.add(match[1]);
      if (match[2] !== '')
        issues.push({
          ...where,
          problem: `${match[1]} has a value in a committed file`,
          fix: 'leave it empty (NAME=); rotate the value if it was real',
        });
      if (!variables.has(match[1]))
        issues.push({
          ...where,
          problem: `${match[1]} is not named by any tenant/environments/*.yaml`,
          fix: 'remove it, or use it under secrets: in the environment files',
        });
    });
  for (const [envVar, envNames] of variables) {
    if (!documented.has(envVar))
      issues.push({
        file: paths.envExample,
        problem: `${envVar} (named by ${envNames.join(', ')}) is not documented`,
        fix: `add a comment saying what it holds, then ${envVar}=`,
      });
  }
  return issues;
};

/** name → the environments whose `names` include it. */
function namesBy(
  environments: readonly EnvironmentFile[],
  names: (env: EnvironmentFile) => Iterable<string>,
): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const env of environments) for (const name of names(env)) by.set(name, [...(by.get(name) ?? []), env.name]);
  return by;
}
