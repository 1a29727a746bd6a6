import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ActionLoadError, loadAction } from '../../local/runtime';
import { LIMITS } from '../../actions/platform/limits';
import { IssueError, type Issue } from '../issues';
import { projectPaths, type ProjectPaths } from '../paths';
import { loadTenantManifest, type Dependency } from '../tenant/manifest';
import { bundleAction, type ActionSource } from './bundle';
import { scanCode, type CodeScan } from './scan';

/**
 * `buildActions()`: every `actions/<name>/index.ts` → `dist/actions/<name>.js`, checked the way
 * Auth0 would reject it (size, handler exports, a redirect without its continue handler).
 */

export interface BuiltAction {
  name: string;
  /** Absolute path of the source entry. */
  entry: string;
  /** Absolute path of the bundle (`<dist>/<name>.js`). */
  file: string;
  code: string;
  bytes: number;
  sourceHash: string;
  /** Declared npm dependencies the bundle requires at run time (Auth0 installs them). */
  requires: string[];
  scan: CodeScan;
}

export interface BuildResult {
  actions: BuiltAction[];
  /** Wall time of bundling and checking every Action (not writing). */
  ms: number;
}

export interface BuildOptions {
  paths?: ProjectPaths;
  /** Declared npm dependencies per Action name, left out of the bundle. Default: tenant.yaml's. */
  dependencies?: Readonly<Record<string, readonly Dependency[]>>;
  /** Write the bundles to `paths.distDir` (default). Validation builds in memory only. */
  write?: boolean;
}

/** Folders under actions/ that hold shared code, not Actions. */
const NOT_ACTIONS = new Set(['lib', 'types']);

export async function buildActions(options: BuildOptions = {}): Promise<BuildResult> {
  const paths = options.paths ?? projectPaths();
  const dependencies = options.dependencies ?? declaredDependencies(paths.tenantFile);
  const started = performance.now();
  const sources = findActionSources(paths.actionsDir, dependencies);
  const results = await Promise.all(sources.map((source) => buildOne(paths, source)));
  const ms = performance.now() - started;

  const issues = results.flatMap((r) => (Array.isArray(r) ? r : []));
  if (issues.length > 0) throw new IssueError(issues);
  const actions = results.filter((r): r is BuiltAction => !Array.isArray(r));
  if (options.write ?? true) writeBundles(paths.distDir, actions);
  return { actions, ms };
}

function declaredDependencies(tenantFile: string): Record<string, Dependency[]> {
  return Object.fromEntries(loadTenantManifest(tenantFile).actions.map((a) => [a.name, a.dependencies]));
}

function findActionSources(
  actionsDir: string,
  dependencies: Readonly<Record<string, readonly Dependency[]>>,
): ActionSource[] {
  if (!existsSync(actionsDir)) return [];
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !NOT_ACTIONS.has(d.name) && existsSync(join(actionsDir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, entry: join(actionsDir, name, 'index.ts'), dependencies: dependencies[name] ?? [] }));
}

async function buildOne(paths: ProjectPaths, source: ActionSource): Promise<BuiltAction | Issue[]> {
  const bundle = await bundleAction(paths.root, source);
  if (Array.isArray(bundle)) return bundle;
  const built: BuiltAction = {
    name: source.name,
    entry: source.entry,
    file: join(paths.distDir, `${source.name}.js`),
    code: bundle.code,
    bytes: Buffer.byteLength(bundle.code, 'utf8'),
    sourceHash: bundle.sourceHash,
    requires: bundle.requires,
    scan: scanCode(bundle.code),
  };
  const issues = checkBundle(paths, source, built);
  return issues.length > 0 ? issues : built;
}

/** What Auth0 would refuse, found before anything is deployed. */
function checkBundle(paths: ProjectPaths, source: ActionSource, built: BuiltAction): Issue[] {
  const at = (problem: string, fix: string): Issue => ({
    file: source.entry,
    problem: `Action ${source.name}: ${problem}`,
    fix,
  });
  if (built.bytes > LIMITS.codeSizeBytes) {
    return [
      at(
        `bundle is ${built.bytes} bytes, over Auth0's ${LIMITS.codeSizeBytes}-byte limit`,
        'shrink the code, or declare a large npm package as a dependency in tenant.yaml instead of bundling it',
      ),
    ];
  }
  let loaded;
  try {
    // Only what the bundle requires: unused declarations and their count are tenant.yaml's problem.
    const required = source.dependencies.filter((d) => built.requires.includes(d.name));
    loaded = loadAction({ name: source.name, code: built.code, dependencies: required });
  } catch (error) {
    if (!(error instanceof ActionLoadError)) throw error;
    const missing = /onExecutePostLogin/.test(error.message);
    return [
      at(
        error.message.replace(`Action "${source.name}": `, ''),
        missing
          ? `export it from ${relative(paths.root, source.entry)}: \`export async function onExecutePostLogin(event, api)\``
          : 'fix the source so the bundle loads the way Auth0 loads it',
      ),
    ];
  }
  if (built.scan.redirects && loaded.onContinuePostLogin === undefined) {
    return [
      at(
        'redirects the user (sendUserTo / prompt.render) but does not export onContinuePostLogin, so the login could never resume',
        'export `async function onContinuePostLogin(event, api)` that validates the returned token',
      ),
    ];
  }
  return [];
}

/** dist/actions holds exactly this build: stale bundles of renamed Actions are removed. */
export function writeBundles(distDir: string, actions: readonly BuiltAction[]): void {
  mkdirSync(distDir, { recursive: true });
  const keep = new Set(actions.map((a) => `${a.name}.js`));
  for (const file of readdirSync(distDir)) if (file.endsWith('.js') && !keep.has(file)) rmSync(join(distDir, file));
  for (const action of actions) writeFileSync(action.file, action.code);
}
