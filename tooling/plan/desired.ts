import { findKeywords, replaceKeywords, type KeywordMappings, type ResolvedEnvironment } from '../tenant';
import { parseYaml } from '../yaml';
import { isObject, toJson, type JsonValue } from './json';
import { SecretValue, type Value, type ValueObject } from './model';

/**
 * tenant.yaml as deploy-cli will send it for one environment: keywords substituted exactly as
 * deploy-cli does (raw text, then YAML), with every value that came from a secret keyword wrapped
 * in a SecretValue so that nothing downstream can print it by accident.
 */

export interface KeywordContext {
  /** Mappings with a placeholder for each unset secret, so the YAML still parses. */
  mappings: KeywordMappings;
  secretKeywords: ReadonlySet<string>;
  /** Secret keywords whose variable is not set where this runs. */
  unsetSecrets: ReadonlySet<string>;
}

export function keywordContext(environment: ResolvedEnvironment): KeywordContext {
  const unset = environment.missingSecrets.map((m) => m.keyword);
  return {
    mappings: { ...Object.fromEntries(unset.map((k) => [k, `unset-secret-${k}`])), ...environment.mappings },
    secretKeywords: environment.secretKeywords,
    unsetSecrets: new Set(unset),
  };
}

/** The resolved document, top-level sections as Values. */
export function resolveTenantYaml(file: string, text: string, keywords: KeywordContext): ValueObject {
  const raw = parseYaml(file, text).value;
  const resolved = parseYaml(file, replaceKeywords(text, keywords.mappings)).value;
  const value = pair(toJson(raw ?? {}, 'tenant.yaml'), toJson(resolved ?? {}, 'tenant.yaml'), keywords);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof SecretValue) {
    throw new Error(`${file}: expected a mapping of resource types`);
  }
  return value;
}

/** A loaded file (email body) as deploy-cli reads it: text substitution, secret if a secret keyword is used. */
export function resolveText(text: string, keywords: KeywordContext): Value {
  const resolved = replaceKeywords(text, keywords.mappings);
  return secretIn(text, keywords) ?? resolved;
}

/** Walks the raw and the resolved document together: the raw text tells which values are secrets. */
function pair(raw: JsonValue, resolved: JsonValue, keywords: KeywordContext): Value {
  if (typeof raw === 'string') {
    const secret = secretIn(raw, keywords, resolved);
    if (secret) return secret;
    return resolved;
  }
  if (Array.isArray(raw) && Array.isArray(resolved))
    return resolved.map((item, i) => pair(raw[i] ?? null, item, keywords));
  if (isObject(raw) && isObject(resolved)) {
    const out: ValueObject = {};
    for (const [key, item] of Object.entries(resolved)) out[key] = pair(raw[key] ?? null, item, keywords);
    return out;
  }
  return resolved;
}

function secretIn(
  raw: string,
  keywords: KeywordContext,
  resolved: JsonValue = replaceKeywords(raw, keywords.mappings),
): SecretValue | undefined {
  const used = [
    ...new Set(
      findKeywords(raw)
        .map((k) => k.name)
        .filter((name) => keywords.secretKeywords.has(name)),
    ),
  ];
  if (used.length === 0) return undefined;
  const unset = used.some((name) => keywords.unsetSecrets.has(name));
  return new SecretValue(used, unset ? undefined : typeof resolved === 'string' ? resolved : JSON.stringify(resolved));
}
