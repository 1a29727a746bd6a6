import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadActionFile } from '../../local/runtime';
import { LIMITS } from '../../actions/platform/limits';
import { buildActions, type BuildOptions } from '../../tooling/bundle';
import { formatIssue, IssueError } from '../../tooling/issues';
import { projectPaths, REPO_ROOT, type ProjectPaths } from '../../tooling/paths';

const FIXTURES = join(__dirname, '..', 'fixtures', 'actions');
const temps: string[] = [];

/** A project root holding a copy of the fixture Actions (and no tenant). */
function fixtureRoot(): ProjectPaths {
  const root = mkdtempSync(join(tmpdir(), 'build-test-'));
  temps.push(root);
  cpSync(FIXTURES, join(root, 'actions'), { recursive: true });
  return projectPaths(root);
}

function addAction(paths: ProjectPaths, name: string, source: string): void {
  mkdirSync(join(paths.actionsDir, name), { recursive: true });
  writeFileSync(join(paths.actionsDir, name, 'index.ts'), source);
}

const build = (paths: ProjectPaths, options: Omit<BuildOptions, 'paths'> = {}) =>
  buildActions({ paths, dependencies: {}, ...options });

async function buildErrors(paths: ProjectPaths, options: Omit<BuildOptions, 'paths'> = {}): Promise<string[]> {
  try {
    await build(paths, options);
  } catch (error) {
    if (error instanceof IssueError) return error.issues.map((i) => formatIssue(i, paths.root));
    throw error;
  }
  throw new Error('expected the build to fail');
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('buildActions', () => {
  it('bundles each Action into one CommonJS file that loads the way Auth0 loads it', async () => {
    const paths = fixtureRoot();
    const result = await build(paths);

    expect(result.actions.map((a) => a.name)).toEqual(['hello', 'redirecting']);
    expect(readdirSync(paths.distDir).sort()).toEqual(['hello.js', 'redirecting.js']);
    for (const action of result.actions) {
      const code = readFileSync(action.file, 'utf8');
      expect(code).toBe(action.code);
      expect(action.bytes).toBe(Buffer.byteLength(code));
      // Shared code is inside the bundle: nothing but Node built-ins may be required.
      expect(code).toContain('function greeting(');
      expect(code).not.toMatch(/require\(["']\.\.?\//);
      const loaded = loadActionFile(action.file, { name: action.name });
      expect(typeof loaded.onExecutePostLogin).toBe('function');
    }
    expect(result.ms).toBeGreaterThan(0);
  });

  it('starts each bundle with a banner naming the Action and the hash of its sources', async () => {
    const paths = fixtureRoot();
    const [hello] = (await build(paths)).actions;
    const banner = hello?.code.split('\n')[0];
    expect(banner).toBe(
      `// Auth0 Action hello | sources sha256:${hello?.sourceHash} | generated from actions/hello/ by npm run build: edit the sources, not this file`,
    );
    expect(hello?.sourceHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is deterministic: the same sources give byte-identical bundles, wherever the checkout is', async () => {
    const first = fixtureRoot();
    const second = fixtureRoot();
    const a = await build(first);
    const again = await build(first);
    const b = await build(second);
    for (const [i, action] of a.actions.entries()) {
      const bytes = readFileSync(action.file);
      expect(readFileSync(again.actions[i]?.file ?? '')).toEqual(bytes);
      expect(readFileSync(b.actions[i]?.file ?? '')).toEqual(bytes);
    }
  });

  it('changes the hash of exactly the Actions whose sources changed (shared code included)', async () => {
    const paths = fixtureRoot();
    const before = await build(paths, { write: false });
    writeFileSync(
      join(paths.actionsDir, 'hello', 'index.ts'),
      `${readFileSync(join(paths.actionsDir, 'hello', 'index.ts'), 'utf8')}\n// edited\n`,
    );
    const after = await build(paths, { write: false });
    expect(after.actions[0]?.sourceHash).not.toBe(before.actions[0]?.sourceHash);
    expect(after.actions[1]?.sourceHash).toBe(before.actions[1]?.sourceHash);

    writeFileSync(
      join(paths.actionsDir, 'lib', 'greeting.ts'),
      'export function greeting(name: string | undefined): string { return `hi ${name}`; }\n',
    );
    const shared = await build(paths, { write: false });
    expect(shared.actions[1]?.sourceHash).not.toBe(after.actions[1]?.sourceHash);
  });

  it(`fails when a bundle exceeds Auth0's ${LIMITS.codeSizeBytes}-byte limit`, async () => {
    const paths = fixtureRoot();
    addAction(
      paths,
      'huge',
      `const TABLE = ${JSON.stringify('x'.repeat(LIMITS.codeSizeBytes))};\nexport async function onExecutePostLogin(event: { user: { user_id: string } }): Promise<void> {\n  if (event.user.user_id === TABLE) throw new Error('no');\n}\n`,
    );
    const errors = await buildErrors(paths);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^actions\/huge\/index\.ts: Action huge: bundle is \d+ bytes, over Auth0's 102400-byte limit — /,
    );
  });

  it('accepts a bundle just under the limit', async () => {
    const paths = fixtureRoot();
    const filler = LIMITS.codeSizeBytes - 2000;
    addAction(
      paths,
      'big',
      `const TABLE = ${JSON.stringify('x'.repeat(filler))};\nexport async function onExecutePostLogin(event: { user: { user_id: string } }): Promise<void> {\n  if (event.user.user_id === TABLE) throw new Error('no');\n}\n`,
    );
    const big = (await build(paths, { write: false })).actions.find((a) => a.name === 'big');
    expect(big?.bytes).toBeGreaterThan(filler);
    expect(big?.bytes).toBeLessThanOrEqual(LIMITS.codeSizeBytes);
  });

  it('fails when an Action lacks exports.onExecutePostLogin', async () => {
    const paths = fixtureRoot();
    addAction(paths, 'no-handler', 'export async function onExecutePostLoginn(): Promise<void> {}\n');
    const errors = await buildErrors(paths);
    expect(errors).toEqual([
      'actions/no-handler/index.ts: Action no-handler: Invalid function signature: exports.onExecutePostLogin must be an async function — export it from actions/no-handler/index.ts: `export async function onExecutePostLogin(event, api)`',
    ]);
  });

  it('fails when an Action redirects but lacks onContinuePostLogin', async () => {
    const paths = fixtureRoot();
    addAction(
      paths,
      'one-way',
      "export async function onExecutePostLogin(_event: unknown, api: { redirect: { sendUserTo(url: string): void } }): Promise<void> {\n  api.redirect.sendUserTo('https://example.com');\n}\n",
    );
    const errors = await buildErrors(paths);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      'actions/one-way/index.ts: Action one-way: redirects the user (sendUserTo / prompt.render) but does not export onContinuePostLogin',
    );
  });

  it('reports compile errors with file, line and column, and writes nothing', async () => {
    const paths = fixtureRoot();
    addAction(paths, 'broken', 'export async function onExecutePostLogin( {\n');
    const errors = await buildErrors(paths);
    expect(errors[0]).toMatch(/^actions\/broken\/index\.ts:2:1: /);
    expect(existsSync(paths.distDir)).toBe(false);
  });

  it('leaves declared npm dependencies to Auth0 and bundles everything else', async () => {
    const paths = fixtureRoot();
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(paths.root, 'node_modules'));
    addAction(
      paths,
      'uses-ms',
      "import ms from 'ms';\nexport async function onExecutePostLogin(event: { stats: { logins_count: number } }): Promise<void> {\n  if (event.stats.logins_count > ms('1d')) throw new Error('no');\n}\n",
    );
    const declared = await build(paths, {
      write: false,
      dependencies: { 'uses-ms': [{ name: 'ms', version: '2.1.3' }] },
    });
    const external = declared.actions.find((a) => a.name === 'uses-ms');
    expect(external?.requires).toEqual(['ms']);
    expect(external?.code).toMatch(/require\("ms"\)/);

    const bundled = (await build(paths, { write: false })).actions.find((a) => a.name === 'uses-ms');
    expect(bundled?.requires).toEqual([]);
    expect(bundled?.code).not.toMatch(/require\("ms"\)/);
  });

  it('removes bundles of Actions that no longer exist', async () => {
    const paths = fixtureRoot();
    mkdirSync(paths.distDir, { recursive: true });
    writeFileSync(join(paths.distDir, 'renamed-away.js'), 'stale');
    await build(paths);
    expect(readdirSync(paths.distDir).sort()).toEqual(['hello.js', 'redirecting.js']);
  });

  it('records what the code reads for validation', async () => {
    const paths = fixtureRoot();
    const [hello, redirecting] = (await build(paths, { write: false })).actions;
    expect(hello?.scan).toEqual({
      secrets: ['GREETING_SOURCE'],
      untraceableSecrets: [],
      appMetadataKeys: [],
      redirects: false,
    });
    expect(redirecting?.scan).toEqual({
      secrets: [],
      untraceableSecrets: [],
      appMetadataKeys: ['visited_page'],
      redirects: true,
    });
  });
});
