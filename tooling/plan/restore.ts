import { keywordText, type KeywordMappings } from '../tenant';
import { canonical, isObject, type JsonValue } from './json';

/**
 * The reverse of keyword substitution, for `npm run pull`: the environment's values in what the
 * tenant returned become `##KEY##` / `@@KEY@@` markers again, so the pulled YAML reads like the
 * repository's. Whole values always; inside longer text only values that are clearly specific to
 * an environment (hosts, URLs, addresses: at least 8 characters with `.`, `:`, `/` or `@`), between
 * non-alphanumeric characters, longest first. Secret values are never written: a secret field keeps
 * its marker (or gets one).
 */
export interface Restorer {
  value(value: JsonValue): JsonValue;
}

export function restorer(mappings: KeywordMappings): Restorer {
  // Sorted by name so that two keywords with one value always restore to the same (first) one.
  const entries = Object.entries(mappings).sort(([a], [b]) => a.localeCompare(b));
  const whole = new Map<string, string>();
  for (const [name, value] of entries) {
    const key = Array.isArray(value) ? `list:${canonical(value as JsonValue)}` : `text:${keywordText(value)}`;
    if (!whole.has(key)) whole.set(key, Array.isArray(value) ? `@@${name}@@` : `##${name}##`);
  }
  const embedded = entries
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length >= 8 && /[.:/@]/.test(e[1]))
    .sort(([, a], [, b]) => b.length - a.length);

  const text = (value: string): string => {
    const exact = whole.get(`text:${value}`);
    if (exact !== undefined) return exact;
    let out = value;
    for (const [name, found] of embedded) {
      out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(found)}(?![A-Za-z0-9])`, 'g'), `##${name}##`);
    }
    return out;
  };
  const value = (input: JsonValue): JsonValue => {
    if (typeof input === 'string') return text(input);
    if (Array.isArray(input)) return whole.get(`list:${canonical(input)}`) ?? input.map(value);
    if (isObject(input)) return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, value(v)]));
    return input;
  };
  return { value };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
