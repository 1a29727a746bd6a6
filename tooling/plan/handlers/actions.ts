import { compareValue, type CompareContext } from '../diff';
import { publicFingerprint, splitFingerprintLine, withFinalNewline } from '../fingerprints';
import { isObject, type JsonValue, type JsonObject } from '../json';
import { SecretValue, type FieldChange, type Value, type ValueObject } from '../model';
import { textDiff } from '../text-diff';
import type { Handler } from './handler';
import { isValueObject, items, objectList, text } from './handler';

/**
 * Actions, matched by name. The code is compared with this build's bundle (minus the fingerprint
 * line the deploy appends); secret values, which Auth0 never returns, through the fingerprints on
 * that line. `deployed: true` means the tenant runs the current draft (all_changes_deployed).
 */
export const actions: Handler = {
  type: 'actions',
  async read(api) {
    const list = await api.pages('/actions/actions', 'actions');
    // The list carries the code; fetch an Action on its own only if it does not.
    return Promise.all(
      list.map(async (action) =>
        typeof action.code === 'string' ? action : api.get(`/actions/actions/${encodeURIComponent(text(action.id))}`),
      ),
    );
  },
  current: (raw) =>
    objectList(raw, 'actions').map((action) => {
      const { code, fingerprints } = splitFingerprintLine(text(action.code));
      const value: JsonObject = {
        code,
        runtime: action.runtime ?? null,
        dependencies: action.dependencies ?? [],
        supported_triggers: triggerRefs(action.supported_triggers),
        secrets: secretNames(action.secrets),
        deployed: action.all_changes_deployed === true,
        fingerprints: fingerprints ?? null,
      };
      return { type: 'actions', key: text(action.name), value };
    }),
  desired: (section, ctx) =>
    items(section, 'actions').map((action) => {
      const name = text(action.name);
      const code = ctx.bundles.get(name);
      if (code === undefined) throw new Error(`actions ${name}: no bundle was built for it`);
      const secrets = Array.isArray(action.secrets) ? action.secrets.filter(isValueObject).map(desiredSecret) : [];
      const value: ValueObject = {
        code,
        runtime: action.runtime ?? null,
        dependencies: action.dependencies ?? [],
        supported_triggers: action.supported_triggers ?? [],
        secrets,
        deployed: action.deployed ?? false,
      };
      return { type: 'actions', key: name, value };
    }),
  compare(desired, current, ctx) {
    const d = desired.value;
    const c = current.value;
    const fields: FieldChange[] = [];
    const [tenantCode, repositoryCode] = [withFinalNewline(text(c.code)), withFinalNewline(text(d.code))];
    const diff = textDiff(`${current.key}.js`, tenantCode, repositoryCode);
    if (diff !== undefined)
      fields.push({ path: 'code', note: `changed (${describeCode(c.code)} → ${describeCode(d.code)})`, diff });
    for (const key of ['runtime', 'dependencies', 'supported_triggers'] as const) {
      const want = d[key];
      if (want !== undefined) fields.push(...compareValue(key, want, c[key], ctx));
    }
    if (d.deployed === true && c.deployed !== true)
      fields.push({ path: 'deployed', note: 'the tenant runs an older version than its draft: will deploy' });
    fields.push(...compareSecrets(current.key, d.secrets, c, ctx));
    return fields;
  },
};

function compareSecrets(
  action: string,
  desired: Value | undefined,
  current: JsonObject,
  ctx: CompareContext,
): FieldChange[] {
  const wanted = Array.isArray(desired) ? desired.filter(isValueObject) : [];
  const have = new Set(
    Array.isArray(current.secrets) ? current.secrets.filter((s): s is string => typeof s === 'string') : [],
  );
  const fingerprints = isObject(current.fingerprints) ? current.fingerprints : undefined;
  const fields: FieldChange[] = [];
  if (fingerprints === undefined) {
    // Deployed by something else (deploy-cli alone, the dashboard): no value can be compared.
    const known = wanted.map((s) => text(s.name)).filter((name) => have.has(name));
    if (known.length > 0)
      fields.push({
        path: 'secrets',
        note: `values unknown (deployed without fingerprints), will be set: ${known.join(', ')}`,
      });
  }
  for (const secret of wanted) {
    const name = text(secret.name);
    const path = `secrets.${name}`;
    if (!(secret.value instanceof SecretValue)) continue;
    const shown = typeof secret.shown === 'string' ? JSON.stringify(secret.shown) : undefined;
    if (!have.has(name)) {
      fields.push({ path, note: shown === undefined ? 'secret added' : `added (not a secret): ${shown}` });
    } else if (secret.value.value === undefined) {
      ctx.note(`actions ${action}: ${path} is not set here, so it was not compared`);
    } else if (fingerprints !== undefined) {
      const recorded = fingerprints[name];
      // A value that is no secret has an unkeyed fingerprint: compared even where the key is not set (CI plans).
      const expected =
        shown !== undefined
          ? publicFingerprint(action, name, secret.value.value)
          : ctx.fingerprint?.(action, name, secret.value.value);
      if (typeof recorded !== 'string')
        fields.push({ path, note: 'secret unknown (deployed without a fingerprint), will be set' });
      else if (expected === undefined)
        ctx.note(`actions ${action}: ${path} not compared (DEPLOY_FINGERPRINT_KEY is not set here)`);
      else if (recorded !== expected) {
        fields.push({
          path,
          note:
            shown === undefined
              ? 'secret changed'
              : `changed (not a secret): now ${shown}; the value before is not readable (Auth0 never returns Action secrets)`,
        });
      }
    }
  }
  const names = new Set(wanted.map((s) => text(s.name)));
  for (const name of have) if (!names.has(name)) fields.push({ path: `secrets.${name}`, note: 'secret removed' });
  return fields;
}

/**
 * Every Action secret is secret to Auth0 (never returned, compared by fingerprint), keyword or
 * not: plain values are wrapped too. But only a keyword the environment file declares secret is
 * secret to a reviewer: any other value (`TERMS_VERSION`) is also kept as `shown`, for the plan.
 */
function desiredSecret(secret: ValueObject): ValueObject {
  const name = text(secret.name);
  const value = secret.value;
  if (value instanceof SecretValue) return { name, value: new SecretValue([name], value.value) };
  const plainValue =
    typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
  return { name, value: new SecretValue([name], plainValue), shown: plainValue };
}

function triggerRefs(value: JsonValue | undefined): JsonValue {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((t) => ({ id: t.id ?? null, version: t.version ?? null }));
}

function secretNames(value: JsonValue | undefined): JsonValue {
  if (!Array.isArray(value)) return [];
  return value.flatMap((s) => (isObject(s) && typeof s.name === 'string' ? [s.name] : [])).sort();
}

/** The build banner names the hash of the sources: what a reviewer can trace to a commit. */
function describeCode(code: Value | JsonValue | undefined): string {
  const match = /sources sha256:([0-9a-f]+)/.exec(text(code).split('\n', 1)[0] ?? '');
  return match ? `sources ${match[1]}` : `${text(code).length} bytes`;
}
