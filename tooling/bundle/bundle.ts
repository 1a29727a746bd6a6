import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { build, type BuildFailure, type BuildOptions, type Message, type Metafile } from 'esbuild';
import type { Issue } from '../issues';
import type { Dependency } from '../tenant/manifest';

/**
 * One Action → one CommonJS file, as Auth0 runs it: shared code bundled in, Node built-ins and the
 * Action's declared npm dependencies left as `require` (Auth0 installs those), nothing else.
 */

export interface ActionSource {
  name: string;
  /** Absolute path of `<actions>/<name>/index.ts`. */
  entry: string;
  dependencies: readonly Dependency[];
}

export interface Bundle {
  code: string;
  /** sha256 over the bundled source files (paths and contents), first 16 hex digits. */
  sourceHash: string;
  /** npm packages the bundle still `require`s: the declared dependencies it actually uses. */
  requires: string[];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Settings that, with the hashed sources, fully determine the bytes. The project's tsconfig is for
 * type checking and is deliberately ignored (tsconfigRaw), so no unhashed file changes the output.
 * Not minified: the deployed code stays readable in Auth0's editor and logs, and the scans in
 * ./scan.ts can see `event.secrets.NAME`. Targets the lower of Auth0's node22 and local Node 20.
 */
const SETTINGS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: ['node20', 'node22'],
  tsconfigRaw: {},
  write: false,
  metafile: true,
  logLevel: 'silent',
} satisfies BuildOptions;

export async function bundleAction(root: string, source: ActionSource): Promise<Bundle | Issue[]> {
  let result;
  try {
    result = await build({
      ...SETTINGS,
      absWorkingDir: root,
      entryPoints: [source.entry],
      outfile: `${source.name}.js`,
      external: source.dependencies.map((d) => d.name),
    });
  } catch (error) {
    const failure = error as Partial<BuildFailure>;
    if (!Array.isArray(failure.errors)) throw error;
    return failure.errors.map((m) => messageIssue(root, source, m, 'fix the source so it compiles'));
  }
  // Warnings are failures here: e.g. a dynamic require() esbuild cannot bundle would fail on Auth0.
  if (result.warnings.length > 0) {
    return result.warnings.map((m) =>
      messageIssue(root, source, m, 'fix the source: esbuild warnings mean the bundle may not run on Auth0'),
    );
  }
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${source.entry}`);
  const sourceHash = hashInputs(root, result.metafile);
  const where = relative(root, dirname(source.entry)).split('\\').join('/');
  const banner = `// Auth0 Action ${source.name} | sources sha256:${sourceHash} | generated from ${where}/ by npm run build: edit the sources, not this file\n`;
  return { code: banner + output.text, sourceHash, requires: externalPackages(result.metafile) };
}

function hashInputs(root: string, metafile: Metafile): string {
  const hash = createHash('sha256');
  for (const input of Object.keys(metafile.inputs).sort()) {
    hash
      .update(`${input}\0`)
      .update(readFileSync(join(root, input)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function externalPackages(metafile: Metafile): string[] {
  const required = Object.values(metafile.outputs).flatMap((out) =>
    out.imports.filter((i) => i.external).map((i) => i.path),
  );
  return [...new Set(required.filter((path) => !BUILTINS.has(path)).map(packageName))].sort();
}

/** `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`. */
function packageName(path: string): string {
  const parts = path.split('/');
  return (path.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function messageIssue(root: string, source: ActionSource, message: Message, fix: string): Issue {
  const location = message.location;
  return {
    file: location ? join(root, location.file) : source.entry,
    line: location?.line,
    col: location ? location.column + 1 : undefined,
    problem: message.text,
    fix,
  };
}
