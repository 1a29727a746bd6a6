import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { findKeywords, replaceKeywords, type KeywordMappings } from '../tenant';
import type { Fingerprinter } from '../plan/fingerprints';
import { publicFingerprint, withFingerprintLine } from '../plan/fingerprints';
import { isValueObject, text } from '../plan/handlers/handler';
import { RESOURCE_TYPES, SecretValue, type Plan, type ResourceType } from '../plan/model';
import type { DesiredState } from '../plan/plan';
import { YAML_OUTPUT } from '../plan/yaml-output';

/**
 * The folder deploy-cli imports: tenant.yaml cut down to what changed, with every file it loads
 * copied next to it (deploy-cli resolves paths against the YAML's folder and warns about `..`).
 * Keywords stay markers here; deploy-cli substitutes them from the mappings it is given.
 */

export interface Selection {
  /** AUTH0_INCLUDED_ONLY: the resource types with a change. */
  types: ResourceType[];
  /** The Actions to (re)deploy: each one listed is a new Action version. */
  actions: ReadonlySet<string>;
  /** With deletion on: triggers whose bindings tenant.yaml does not list, to empty (deploy-cli only updates listed ones). */
  emptyTriggers: string[];
}

/**
 * Non-Action types are deployed whole (every item listed: deploy-cli then has nothing to call a
 * deletion, and PATCHing an unchanged item changes nothing). Actions are deployed one by one, since
 * deploy-cli makes a new version of each Action listed; with deletion off it leaves unlisted ones
 * alone. With deletion on, a type with drift is deployed whole, Actions included, so that only
 * what is really gone from tenant.yaml is deleted.
 */
export function selectDeploy(plan: Plan, allowDelete: boolean): Selection {
  const relevant = plan.changes.filter(
    (c) => c.kind === 'create' || c.kind === 'update' || (allowDelete && c.kind === 'drift'),
  );
  const types = RESOURCE_TYPES.filter((type) => relevant.some((c) => c.type === type));
  const actionChanges = plan.changes.filter((c) => c.type === 'actions');
  const deployAll = allowDelete && actionChanges.some((c) => c.kind === 'drift');
  const actions = actionChanges
    .filter((c) => (deployAll ? c.kind !== 'drift' : c.kind === 'create' || c.kind === 'update'))
    .map((c) => c.key);
  const emptyTriggers = allowDelete
    ? plan.changes.filter((c) => c.type === 'triggers' && c.kind === 'drift').map((c) => c.key)
    : [];
  return { types, actions: new Set(actions), emptyTriggers };
}

export interface StagedDeploy {
  dir: string;
  tenantFile: string;
  /** Every staged file's text, for the final keyword check. */
  files: { file: string; text: string }[];
  remove(): void;
}

export interface StageInput {
  tenantFile: string;
  selection: Selection;
  desired: DesiredState;
  fingerprint: Fingerprinter;
}

export function stageDeploy(input: StageInput): StagedDeploy {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-deploy-'));
  chmodSync(dir, 0o700);
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const tenantDir = resolve(input.tenantFile, '..');
    const doc = parseDocument(readFileSync(input.tenantFile, 'utf8'));
    if (!isMap(doc.contents)) throw new Error(`${input.tenantFile}: expected a mapping of resource types`);
    for (const key of doc.contents.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''))) {
      if (!(input.selection.types as string[]).includes(key)) doc.delete(key);
    }
    const files: { file: string; text: string }[] = [];
    const write = (relative: string, content: string): void => {
      const file = join(dir, relative);
      mkdirSync(resolve(file, '..'), { recursive: true, mode: 0o700 });
      writeFileSync(file, content, { mode: 0o600 });
      files.push({ file, text: content });
    };
    stageActions(doc, input, write);
    for (const trigger of input.selection.emptyTriggers) doc.setIn(['triggers', trigger], doc.createNode([]));
    stageEmailBodies(doc, tenantDir, dir, files);
    const tenantFile = join(dir, 'tenant.yaml');
    write('tenant.yaml', doc.toString(YAML_OUTPUT));
    return { dir, tenantFile, files, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Only the selected Actions, each from this build with its fingerprint line appended. */
function stageActions(doc: Document, input: StageInput, write: (relative: string, content: string) => void): void {
  const list = doc.get('actions');
  if (!isSeq(list)) return;
  const desired = new Map((input.desired.resources.get('actions') ?? []).map((a) => [a.key, a.value]));
  list.items = list.items.filter((item) => isMap(item) && input.selection.actions.has(String(item.get('name'))));
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const name = String(item.get('name'));
    const action = desired.get(name);
    if (action === undefined) throw new Error(`actions ${name}: not in the desired state`);
    const fingerprints: Record<string, string> = {};
    for (const secret of Array.isArray(action.secrets) ? action.secrets.filter(isValueObject) : []) {
      const value = secret.value instanceof SecretValue ? secret.value.value : undefined;
      if (value === undefined) throw new Error(`actions ${name}: the value of secret ${text(secret.name)} is not set`);
      fingerprints[text(secret.name)] =
        typeof secret.shown === 'string'
          ? publicFingerprint(name, text(secret.name), value)
          : input.fingerprint(name, text(secret.name), value);
    }
    write(`actions/${name}.js`, withFingerprintLine(text(action.code), fingerprints));
    item.set('code', `./actions/${name}.js`);
  }
}

/** Email bodies copied as written (deploy-cli substitutes keywords in them too). */
function stageEmailBodies(
  doc: Document,
  tenantDir: string,
  dir: string,
  files: { file: string; text: string }[],
): void {
  const list = doc.get('emailTemplates');
  if (!isSeq(list)) return;
  mkdirSync(join(dir, 'emailTemplates'), { recursive: true, mode: 0o700 });
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const relative = `emailTemplates/${String(item.get('template'))}.html`;
    const source = resolve(tenantDir, String(item.get('body')));
    copyFileSync(source, join(dir, relative));
    files.push({ file: join(dir, relative), text: readFileSync(source, 'utf8') });
    item.set('body', `./${relative}`);
  }
}

/**
 * The last guard before deploy-cli runs: after substitution, no marker may be left in a value of
 * the staged YAML or in a file it loads (deploy-cli would deploy it literally). YAML comments do
 * not count: deploy-cli never sends them.
 */
export function unresolvedKeywords(staged: StagedDeploy, mappings: KeywordMappings): string[] {
  const found = new Set<string>();
  for (const { file, text: content } of staged.files) {
    const resolved = replaceKeywords(content, mappings);
    const values = file === staged.tenantFile ? yamlStrings(resolved) : [resolved];
    for (const value of values) for (const use of findKeywords(value)) found.add(use.name);
  }
  return [...found].sort();
}

function yamlStrings(source: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(parseDocument(source).toJS());
  return out;
}
