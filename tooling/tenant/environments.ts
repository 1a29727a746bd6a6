import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IssueError } from '../issues';
import type { ProjectPaths } from '../paths';
import { loadYaml, type YamlFile } from '../yaml';
import { KEYWORD_NAME, keywordText, type KeywordValue } from './keywords';
import { ShapeReader } from './reader';

/**
 * Environments: one reviewable file per target tenant, `tenant/environments/<name>.yaml`:
 *
 *   keywords:            # non-secret values, reviewed like code
 *     AUTH0_DOMAIN: acme-prod.eu.auth0.com
 *     WEB_CALLBACKS: [https://www.acme.example/callback]
 *   secrets:             # keyword: the environment variable that holds its value
 *     TERMS_SESSION_TOKEN_SECRET: TENANT_TERMS_SESSION_TOKEN_SECRET
 *
 * Secret values never live in a file: they are read from the environment variables named here
 * (CI secrets, or what the sandbox start script generates), and only those variables are read.
 */

export interface EnvironmentFile {
  name: string;
  yaml: YamlFile;
  keywords: ReadonlyMap<string, KeywordValue>;
  /** Secret keyword → the environment variable holding its value. */
  secrets: ReadonlyMap<string, string>;
}

export interface MissingSecret {
  keyword: string;
  envVar: string;
}

export interface ResolvedEnvironment {
  name: string;
  file: string;
  /** The tenant this environment deploys to: what a deploy guard compares the target with. */
  auth0Domain: string;
  /** Keyword → value, for AUTH0_KEYWORD_REPLACE_MAPPINGS. Missing secrets are absent. */
  mappings: Readonly<Record<string, KeywordValue>>;
  /** Keywords whose values are secrets: print their names, never their values. */
  secretKeywords: ReadonlySet<string>;
  missingSecrets: readonly MissingSecret[];
}

/** Process environment variables (or the subset a script hands over); only declared names are read. */
export type EnvVars = Readonly<Record<string, string | undefined>>;

const ENV_NAME = /^[a-z][a-z0-9-]*$/;
const ENV_VAR = /^[A-Z][A-Z0-9_]*$/;
const DOMAIN = /^[a-z0-9.-]+(:\d{1,5})?$/;

export function listEnvironments(paths: ProjectPaths): string[] {
  if (!existsSync(paths.environmentsDir)) return [];
  return readdirSync(paths.environmentsDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

export function loadEnvironmentFile(paths: ProjectPaths, name: string): EnvironmentFile {
  const file = join(paths.environmentsDir, `${name}.yaml`);
  if (!ENV_NAME.test(name) || !existsSync(file)) {
    throw new IssueError([
      {
        file,
        problem: `no environment named "${name}"`,
        fix: `use one of: ${listEnvironments(paths).join(', ') || '(none yet)'}`,
      },
    ]);
  }
  const yaml = loadYaml(file);
  const reader = new ShapeReader(yaml);
  const root = yaml.value === null ? {} : (reader.record(yaml.value, []) ?? {});
  for (const key of Object.keys(root)) {
    if (key !== 'keywords' && key !== 'secrets')
      reader.issue(
        [key],
        'unknown section',
        'use `keywords:` (values) and `secrets:` (environment variable names) only',
      );
  }

  const keywords = new Map<string, KeywordValue>();
  const keywordSection = root.keywords === undefined ? {} : (reader.record(root.keywords, ['keywords']) ?? {});
  for (const [keyword, value] of Object.entries(keywordSection)) {
    const path = ['keywords', keyword];
    if (!KEYWORD_NAME.test(keyword)) reader.issue(path, 'keyword names use letters, digits and _ only', 'rename it');
    else if (isKeywordValue(value)) keywords.set(keyword, value);
    else
      reader.issue(
        path,
        'must be a non-empty string, a number, a boolean or a list of strings',
        'quote dates and give every keyword a value',
      );
  }

  const secrets = new Map<string, string>();
  const secretSection = root.secrets === undefined ? {} : (reader.record(root.secrets, ['secrets']) ?? {});
  for (const [keyword, envVar] of Object.entries(secretSection)) {
    const path = ['secrets', keyword];
    if (!KEYWORD_NAME.test(keyword)) reader.issue(path, 'keyword names use letters, digits and _ only', 'rename it');
    else if (typeof envVar !== 'string' || !ENV_VAR.test(envVar))
      reader.issue(
        path,
        'must name an environment variable (UPPER_SNAKE_CASE), never hold a value',
        'write the variable name; put the value in the CI secret store',
      );
    else if (keywords.has(keyword))
      reader.issue(path, `${keyword} is both a keyword value and a secret`, 'keep it in one section');
    else secrets.set(keyword, envVar);
  }

  const domain = keywords.get('AUTH0_DOMAIN');
  if (typeof domain !== 'string' || !DOMAIN.test(domain)) {
    reader.issue(
      ['keywords', 'AUTH0_DOMAIN'],
      'must be the tenant domain (host or host:port, lower case, no https://)',
      'e.g. `AUTH0_DOMAIN: acme-prod.eu.auth0.com`; deploy guards compare the target tenant with it',
    );
  }
  if (reader.issues.length > 0) throw new IssueError(reader.issues);
  return { name, yaml, keywords, secrets };
}

/**
 * The keyword mappings for one environment: its file's values plus the secrets found in `vars`.
 * Reads only the variables the file names; reports the missing ones by name.
 */
export function resolveEnvironment(paths: ProjectPaths, name: string, vars: EnvVars): ResolvedEnvironment {
  const env = loadEnvironmentFile(paths, name);
  const mappings: Record<string, KeywordValue> = Object.fromEntries(env.keywords);
  const missingSecrets: MissingSecret[] = [];
  for (const [keyword, envVar] of env.secrets) {
    const value = vars[envVar];
    if (value === undefined || value.trim() === '') missingSecrets.push({ keyword, envVar });
    else mappings[keyword] = value;
  }
  return {
    name,
    file: env.yaml.file,
    auth0Domain: keywordText(env.keywords.get('AUTH0_DOMAIN') ?? ''),
    mappings,
    secretKeywords: new Set(env.secrets.keys()),
    missingSecrets,
  };
}

function isKeywordValue(value: unknown): value is KeywordValue {
  if (typeof value === 'string') return value !== '';
  if (typeof value === 'number' || typeof value === 'boolean') return true;
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
}
