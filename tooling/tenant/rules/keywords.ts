import { relative } from 'node:path';
import { formatPath, type FieldPath, type Issue } from '../../issues';
import { findKeywords, keywordText, type KeywordUse, type KeywordValue } from '../keywords';
import { issueAt } from '../reader';
import type { Rule, RuleContext } from './context';

/**
 * Keywords: every marker must have a value in the chosen environment (deploy-cli would deploy an
 * unmapped one literally), be declared in every other environment, mean the same YAML before and
 * after substitution, and never appear in Action code (deploy-cli would rewrite the code, possibly
 * pasting a secret into it). Environment entries nothing uses are reported too.
 */

interface Use {
  use: KeywordUse;
  file: string;
  line: number;
  col: number;
  /** For tenant.yaml: the field holding the marker, and whether the marker is the whole value. */
  field?: FieldPath;
  whole?: boolean;
  kind: 'tenant' | 'action' | 'email';
  actionName?: string;
}

const marker = (use: KeywordUse): string => (use.kind === 'text' ? `##${use.name}##` : `@@${use.name}@@`);

export const keywords: Rule = (ctx) => {
  const uses = collectUses(ctx);
  return [
    ...unquotedMarkers(ctx),
    ...markersInCode(ctx, uses),
    ...unresolved(ctx, uses),
    ...wrongKind(ctx, uses),
    ...changedBySubstitution(ctx, uses),
    ...undeclaredElsewhere(ctx, uses),
    ...unused(ctx, uses),
    ...missingSecrets(ctx),
  ];
};

function collectUses(ctx: RuleContext): Use[] {
  const { yaml } = ctx.manifest;
  const uses: Use[] = [];
  for (const use of findKeywords(yaml.text)) {
    const scalar = yaml.scalarAt(use.offset);
    if (!scalar) continue; // in a comment: deploy-cli rewrites it, to no effect
    uses.push({
      use,
      file: yaml.file,
      ...yaml.position(use.offset),
      field: scalar.path,
      whole: valueAt(yaml.value, scalar.path) === marker(use),
      kind: 'tenant',
    });
  }
  for (const loaded of ctx.loaded) {
    if (loaded.text === undefined) continue;
    const actionName =
      loaded.kind === 'action'
        ? ctx.manifest.actions.find((a) => formatPath([...a.path, 'code']) === formatPath(loaded.path))?.name
        : undefined;
    for (const use of findKeywords(loaded.text)) {
      uses.push({ use, file: loaded.file, ...linePos(loaded.text, use.offset), kind: loaded.kind, actionName });
    }
  }
  return uses;
}

/** `key: ##X##` unquoted is a YAML comment until substituted: the validator would not see it. */
function unquotedMarkers(ctx: RuleContext): Issue[] {
  const { yaml } = ctx.manifest;
  return findKeywords(yaml.text).flatMap((use) => {
    if (use.kind !== 'text' || yaml.scalarAt(use.offset)) return [];
    const lineStart = yaml.text.lastIndexOf('\n', use.offset) + 1;
    const before = yaml.text.slice(lineStart, use.offset).trimEnd();
    if (!/(^|[:\-[{,])$/.test(before) || before.includes('#')) return [];
    return [
      {
        file: yaml.file,
        ...yaml.position(use.offset),
        problem: `unquoted ${marker(use)} starts a YAML comment, so the value is empty until deploy-cli substitutes it`,
        fix: `quote it: '${marker(use)}'`,
      },
    ];
  });
}

function markersInCode(ctx: RuleContext, uses: Use[]): Issue[] {
  return uses
    .filter((u) => u.kind === 'action')
    .map((u) => ({
      file: ctx.built.get(u.actionName ?? '')?.entry ?? u.file,
      problem: `the bundle of ${u.actionName ?? 'this Action'} contains ${marker(u.use)}, which deploy-cli would replace inside the code (with a secret, if one has that name)`,
      fix: 'remove the marker from the source; pass values to Actions through event.secrets',
    }));
}

function unresolved(ctx: RuleContext, uses: Use[]): Issue[] {
  const env = ctx.environments.find((e) => e.name === ctx.environment.name);
  const envFile = relPath(ctx, ctx.environment.file);
  return uses
    .filter((u) => u.kind !== 'action' && !env?.keywords.has(u.use.name) && !env?.secrets.has(u.use.name))
    .map((u) => ({
      file: u.file,
      line: u.line,
      col: u.col,
      field: u.field && formatPath(u.field),
      problem: `${marker(u.use)} has no value in the ${ctx.environment.name} environment (deploy-cli would deploy it literally)`,
      fix: `add ${u.use.name} to ${envFile} under keywords: (or under secrets: with the environment variable holding it)`,
    }));
}

function wrongKind(ctx: RuleContext, uses: Use[]): Issue[] {
  const at = (u: Use, problem: string, fix: string): Issue => ({
    file: u.file,
    line: u.line,
    col: u.col,
    field: u.field && formatPath(u.field),
    problem,
    fix,
  });
  return uses.flatMap((u) => {
    if (u.use.kind === 'json') {
      return u.whole === false
        ? [
            at(
              u,
              `@@${u.use.name}@@ inside a longer text inserts JSON, quotes included`,
              `use ##${u.use.name}## for text`,
            ),
          ]
        : [];
    }
    const lists = ctx.environments
      .filter((env) => Array.isArray(env.keywords.get(u.use.name)))
      .map((env) => relPath(ctx, env.yaml.file));
    return lists.length === 0
      ? []
      : [
          at(
            u,
            `##${u.use.name}## inserts text, but ${u.use.name} is a list in ${lists.join(', ')}`,
            `use '@@${u.use.name}@@' to insert the list`,
          ),
        ];
  });
}

/** A whole-value marker must read back as exactly its value (quoting, YAML types). */
function changedBySubstitution(ctx: RuleContext, uses: Use[]): Issue[] {
  const resolved = ctx.resolved?.yaml;
  if (!resolved) return [];
  return uses.flatMap((u) => {
    const value = ctx.environment.mappings[u.use.name];
    if (u.kind !== 'tenant' || !u.whole || !u.field || value === undefined) return [];
    const expected: KeywordValue = u.use.kind === 'text' ? keywordText(value) : value;
    if (JSON.stringify(valueAt(resolved.value, u.field)) === JSON.stringify(expected)) return [];
    const what = ctx.environment.secretKeywords.has(u.use.name) ? 'the secret' : 'the value';
    return [
      {
        file: u.file,
        line: u.line,
        col: u.col,
        field: formatPath(u.field),
        problem: `${what} of ${u.use.name} reads back differently once substituted into the YAML`,
        fix: `quote the marker ('${marker(u.use)}') and keep quote characters and leading/trailing spaces out of the value`,
      },
    ];
  });
}

function undeclaredElsewhere(ctx: RuleContext, uses: Use[]): Issue[] {
  const names = [...new Set(uses.filter((u) => u.kind !== 'action').map((u) => u.use.name))];
  return ctx.environments
    .filter((env) => env.name !== ctx.environment.name)
    .flatMap((env) =>
      names
        .filter((name) => !env.keywords.has(name) && !env.secrets.has(name))
        .map((name) =>
          issueAt(
            env.yaml,
            ['keywords'],
            `${name} is used by the tenant files but has no value in the ${env.name} environment`,
            `add ${name} under keywords: (or under secrets: with its environment variable)`,
          ),
        ),
    );
}

function unused(ctx: RuleContext, uses: Use[]): Issue[] {
  const used = new Set(uses.filter((u) => u.kind !== 'action').map((u) => u.use.name));
  return ctx.environments.flatMap((env) =>
    [
      ...[...env.keywords.keys()].map((k) => ['keywords', k] as const),
      ...[...env.secrets.keys()].map((k) => ['secrets', k] as const),
    ]
      .filter(([, name]) => name !== 'AUTH0_DOMAIN' && !used.has(name))
      .map(([section, name]) =>
        issueAt(
          env.yaml,
          [section, name],
          `${name} is not used by tenant.yaml or the files it loads`,
          'remove it (or use it)',
        ),
      ),
  );
}

function missingSecrets(ctx: RuleContext): Issue[] {
  if (!ctx.requireSecrets) return [];
  const env = ctx.environments.find((e) => e.name === ctx.environment.name);
  if (!env) return [];
  return ctx.environment.missingSecrets.map((m) =>
    issueAt(
      env.yaml,
      ['secrets', m.keyword],
      `environment variable ${m.envVar} (the value of ${m.keyword}) is not set`,
      `set it in the environment this runs in (the ${env.name} CI secrets, or the sandbox start script); tenant/.env.example says what it holds`,
    ),
  );
}

function valueAt(value: unknown, path: FieldPath): unknown {
  let node = value;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

function linePos(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

function relPath(ctx: RuleContext, file: string): string {
  return relative(ctx.paths.root, file).split('\\').join('/');
}
