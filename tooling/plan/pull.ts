import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import type { ResolvedEnvironment } from '../tenant';
import { containsSecret, plain } from './diff';
import { withFinalNewline } from './fingerprints';
import { isValueObject, text } from './handlers/handler';
import { isObject, jsonEqual, type JsonValue, type JsonObject } from './json';
import type { ManagementApi } from './management-api';
import { SecretValue, type CurrentResource, type DesiredResource, type ResourceType, type Value } from './model';
import { desiredState, readTenant } from './plan';
import { restorer, type Restorer } from './restore';
import { YAML_OUTPUT } from './yaml-output';

/**
 * `npm run pull`: the tenant as it is now, written in the repository's own format. tenant.yaml is
 * edited in place (comments, order and markers kept) wherever the tenant agrees with it, so
 * `diff -u tenant/tenant.yaml <out>/tenant.yaml` shows exactly the drift; resources only the tenant
 * has are appended. Environment values become keywords again; secrets are never written (a secret
 * field keeps or gets a `##NAME##` marker). Only the resource types tenant.yaml manages are read.
 */

export interface PullInput {
  environment: ResolvedEnvironment;
  tenantFile: string;
  bundles: ReadonlyMap<string, string>;
  api: ManagementApi;
  /** The deploy client (the tool's own: not pulled). */
  deployClientId: string;
  outDir: string;
}

export interface PullResult {
  files: string[];
  notes: string[];
}

type Path = (string | number)[];

const SINGLETONS: readonly ResourceType[] = ['tenant', 'attackProtection', 'emailProvider'];
/** Credential fields a tenant-only resource may carry: written as markers, never as values. */
const SECRET_FIELDS = new Set([
  'client_secret',
  'smtp_pass',
  'api_key',
  'password',
  'secret',
  'signing_secret',
  'clientSecret',
  'secretAccessKey',
  'connectionString',
]);

export async function pullTenant(input: PullInput): Promise<PullResult> {
  const desired = desiredState(input.environment, input.tenantFile, input.bundles);
  const current = await readTenant(input.api, desired.types, input.deployClientId);
  const pull = new Pull(
    input,
    parseDocument(readFileSync(input.tenantFile, 'utf8')),
    restorer(input.environment.mappings),
  );
  for (const type of desired.types) {
    const have = current.resources.get(type) ?? [];
    const want = desired.resources.get(type) ?? [];
    if (type === 'triggers') pull.triggers(want, have);
    else if (SINGLETONS.includes(type)) pull.singleton(type, want[0], have[0]);
    else pull.list(type, want, have);
  }
  pull.write('tenant.yaml', pull.doc.toString(YAML_OUTPUT));
  return { files: pull.files, notes: pull.notes };
}

class Pull {
  readonly files: string[] = [];
  readonly notes: string[] = [];

  constructor(
    private readonly input: PullInput,
    readonly doc: Document,
    private readonly restore: Restorer,
  ) {}

  write(relative: string, content: string): void {
    const file = join(this.input.outDir, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    this.files.push(file);
  }

  singleton(type: ResourceType, want: DesiredResource | undefined, have: CurrentResource | undefined): void {
    if (!want) return;
    if (!have) {
      this.doc.delete(type);
      this.notes.push(`${type}: not set up in the tenant (section removed)`);
      return;
    }
    this.merge([type], want.value, have.value);
  }

  list(type: ResourceType, want: DesiredResource[], have: CurrentResource[]): void {
    const byKey = new Map(have.map((r) => [r.key, r]));
    const gone: number[] = [];
    want.forEach((resource, index) => {
      const found = byKey.get(resource.key);
      byKey.delete(resource.key);
      if (!found) gone.push(index);
      else if (type === 'actions') this.action(index, resource, found);
      else if (type === 'emailTemplates') this.emailTemplate(index, resource, found);
      else this.merge([type, index], resource.value, found.value);
    });
    for (const index of gone.reverse()) this.doc.deleteIn([type, index]);
    for (const resource of byKey.values()) this.doc.addIn([type], this.added(type, resource));
    if (gone.length > 0) this.notes.push(`${type}: ${gone.length} in tenant.yaml but not in the tenant (removed)`);
    if (byKey.size > 0)
      this.notes.push(`${type}: ${byKey.size} only in the tenant (appended): ${[...byKey.keys()].join(', ')}`);
  }

  triggers(want: DesiredResource[], have: CurrentResource[]): void {
    const byKey = new Map(have.map((r) => [r.key, r]));
    for (const resource of want) {
      const found = byKey.get(resource.key);
      byKey.delete(resource.key);
      if (!found) this.doc.deleteIn(['triggers', resource.key]);
      else if (!jsonEqual(plain(resource.value.bindings ?? null), found.value.bindings))
        this.doc.setIn(['triggers', resource.key], found.value.bindings);
    }
    for (const resource of byKey.values()) this.doc.setIn(['triggers', resource.key], resource.value.bindings);
  }

  /** Fields tenant.yaml sets: kept as written where the tenant agrees, else the tenant's value. */
  private merge(path: Path, want: Value, have: JsonValue | undefined): void {
    if (want instanceof SecretValue) {
      if (typeof have === 'string' && want.value !== undefined && have !== want.value)
        this.notes.push(`${path.join('.')}: the tenant's ${want.keywords.join(', ')} differs (a secret: not written)`);
      return;
    }
    if (isValueObject(want) && isObject(have)) {
      for (const [key, value] of Object.entries(want)) this.merge([...path, key], value, have[key]);
      return;
    }
    if (containsSecret(want)) {
      this.notes.push(`${path.join('.')}: differs in the tenant but holds a secret (not written)`);
      return;
    }
    if (jsonEqual(plain(want), have)) return;
    if (have === undefined) this.doc.deleteIn(path);
    else this.doc.setIn(path, this.restore.value(have));
  }

  private action(index: number, want: DesiredResource, have: CurrentResource): void {
    const path: Path = ['actions', index];
    const code = text(have.value.code);
    this.write(`actions/${want.key}.js`, code);
    if (withFinalNewline(code) !== withFinalNewline(text(want.value.code)))
      this.doc.setIn([...path, 'code'], `./actions/${want.key}.js`);
    for (const key of ['runtime', 'dependencies', 'supported_triggers', 'deployed']) {
      const value = want.value[key];
      if (value !== undefined) this.merge([...path, key], value, have.value[key]);
    }
    const names = Array.isArray(have.value.secrets) ? have.value.secrets.map(String) : [];
    const raw = toJs(this.doc.getIn([...path, 'secrets']));
    const declared = Array.isArray(raw) ? raw.filter(isObject) : [];
    if (!jsonEqual([...declared.map((s) => text(s.name))].sort(), [...names].sort())) {
      this.doc.setIn(
        [...path, 'secrets'],
        names.map((name) => declared.find((s) => s.name === name) ?? { name, value: `##${name}##` }),
      );
    }
  }

  private emailTemplate(index: number, want: DesiredResource, have: CurrentResource): void {
    const path: Path = ['emailTemplates', index];
    const rawPath = String(this.doc.getIn([...path, 'body']));
    const inside = !normalize(rawPath).startsWith('..');
    const relative = inside ? normalize(rawPath) : `emailTemplates/${want.key}.html`;
    const body = want.value.body ?? null;
    // A body holding a secret keyword is never written from the tenant (it would carry the value).
    const keep = body instanceof SecretValue || jsonEqual(plain(body), have.value.body);
    if (body instanceof SecretValue && body.value !== have.value.body)
      this.notes.push(`emailTemplates ${want.key}: the body differs in the tenant but holds a secret (not written)`);
    const source = resolve(dirname(this.input.tenantFile), rawPath);
    this.write(relative, keep ? readFileSync(source, 'utf8') : text(this.restore.value(have.value.body ?? '')));
    if (!inside) this.doc.setIn([...path, 'body'], `./${relative}`);
    const { body: _body, ...rest } = want.value;
    for (const [key, value] of Object.entries(rest)) this.merge([...path, key], value, have.value[key]);
  }

  /** A resource only the tenant has, in tenant.yaml's shape, credentials replaced by markers. */
  private added(type: ResourceType, resource: CurrentResource): JsonObject {
    const value = this.restore.value(this.maskSecrets(type, resource.key, resource.value)) as JsonObject;
    if (type === 'actions') {
      this.write(`actions/${resource.key}.js`, text(resource.value.code));
      const secrets = Array.isArray(resource.value.secrets)
        ? resource.value.secrets.map(text).map((name) => ({ name, value: `##${name}##` }))
        : [];
      const { fingerprints: _f, code: _c, secrets: _s, ...rest } = value;
      return { name: resource.key, code: `./actions/${resource.key}.js`, ...rest, secrets };
    }
    if (type === 'emailTemplates') {
      this.write(`emailTemplates/${resource.key}.html`, text(value.body));
      return { ...value, body: `./emailTemplates/${resource.key}.html` };
    }
    return value;
  }

  private maskSecrets(type: ResourceType, key: string, value: JsonValue, field = ''): JsonValue {
    if (typeof value === 'string' && SECRET_FIELDS.has(field)) {
      const restored = this.restore.value(value);
      if (restored !== value) return restored;
      const marker = `${key}_${field}`.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
      this.notes.push(
        `${type} ${key}: ${field} written as ##${marker}## (a secret): add ${marker} to the environments' secrets`,
      );
      return `##${marker}##`;
    }
    if (Array.isArray(value)) return value.map((item) => this.maskSecrets(type, key, item));
    if (isObject(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskSecrets(type, key, v, k)]));
    return value;
  }
}

function toJs(node: unknown): unknown {
  return node !== null && typeof node === 'object' && 'toJSON' in node && typeof node.toJSON === 'function'
    ? (node.toJSON as () => unknown)()
    : node;
}
