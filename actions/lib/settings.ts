/**
 * Validation of configuration (secret) values. Each Action reads its secrets with literal `event.secrets.NAME`
 * property reads in its own config.ts (the offline validator matches them against tenant.yaml);
 * these helpers only judge the values.
 */

/** A required secret: present and not blank. */
export function requiredValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An https URL (http only on loopback, for local development). Tokens travel in its query. */
export function parsePageUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  return secure && url.username === '' && url.password === '' ? url : undefined;
}

/** A tenant domain (`host` or `host:port`, optionally written with `https://`) as an https origin. */
export function parseDomain(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const host = value
    .trim()
    .replace(/^https:\/\//i, '')
    .replace(/\/$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) return undefined;
  return `https://${host.toLowerCase()}`;
}
