import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../../actions/platform/limits';
import type { Issue } from '../../issues';
import { isRecord, issueAt } from '../reader';
import type { Rule } from './context';

/**
 * Each Action as Auth0 accepts it: unique name, the node22 runtime the bundle targets, deployed
 * (bindings run the deployed version), within the secret and dependency limits, and every npm
 * dependency pinned to the version the lockfile installs (what the tests ran against) and used.
 */
export const actions: Rule = ({ paths, manifest, built }) => {
  const issues: Issue[] = [];
  const lockfile = readLockfile(join(paths.root, 'package-lock.json'));
  const seen = new Set<string>();
  for (const action of manifest.actions) {
    const at = (field: string, problem: string, fix: string): void => {
      issues.push(issueAt(manifest.yaml, [...action.path, field], problem, fix));
    };
    if (seen.has(action.name))
      at('name', `another Action is already named ${action.name}`, 'Action names must be unique: rename one');
    seen.add(action.name);
    if (action.runtime !== 'node22')
      at('runtime', `runtime is ${String(action.runtime)}, the bundles are built for node22`, 'set runtime: node22');
    if (action.deployed !== true)
      at(
        'deployed',
        'the Action is not deployed, so its bindings would run an older version or none',
        'set deployed: true',
      );
    if (action.secrets.length > LIMITS.secretsPerAction)
      at(
        'secrets',
        `${action.secrets.length} secrets, Auth0 allows ${LIMITS.secretsPerAction}`,
        'merge some values (e.g. one JSON secret) or split the Action',
      );
    for (const secret of action.secrets) {
      if (secret.name.length > LIMITS.secretNameChars)
        issues.push(
          issueAt(
            manifest.yaml,
            [...secret.path, 'name'],
            `secret name longer than ${LIMITS.secretNameChars} characters`,
            'shorten it',
          ),
        );
    }
    if (action.dependencies.length > LIMITS.dependenciesPerAction)
      at(
        'dependencies',
        `${action.dependencies.length} dependencies, Auth0 allows ${LIMITS.dependenciesPerAction}`,
        'bundle small packages instead of declaring them',
      );

    const requires = built.get(action.name)?.requires ?? [];
    action.dependencies.forEach((dep, i) => {
      const path = [...action.path, 'dependencies', i, 'version'];
      const locked = lockfile.get(dep.name);
      if (locked === undefined)
        issues.push(
          issueAt(
            manifest.yaml,
            path,
            `${dep.name} is not in package-lock.json, so tests never ran against it`,
            `npm install --save-exact ${dep.name}, then declare the locked version`,
          ),
        );
      else if (dep.version !== locked)
        issues.push(
          issueAt(
            manifest.yaml,
            path,
            `${dep.name}@${dep.version} differs from the locked ${locked}`,
            `set version: '${locked}'`,
          ),
        );
      if (built.has(action.name) && !requires.includes(dep.name))
        issues.push(
          issueAt(
            manifest.yaml,
            [...action.path, 'dependencies', i],
            `${dep.name} is declared but the bundle never requires it`,
            'remove it (Auth0 would install it for nothing)',
          ),
        );
    });
  }
  return issues;
};

/** package name → installed version, from npm's lockfile v2/v3 `packages` map. */
function readLockfile(file: string): Map<string, string> {
  const versions = new Map<string, string>();
  let lock: unknown;
  try {
    lock = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return versions;
  }
  const packages = isRecord(lock) && isRecord(lock.packages) ? lock.packages : {};
  for (const [path, entry] of Object.entries(packages)) {
    const name =
      path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('/node_modules/')
        ? path.slice('node_modules/'.length)
        : undefined;
    if (name && isRecord(entry) && typeof entry.version === 'string') versions.set(name, entry.version);
  }
  return versions;
}
