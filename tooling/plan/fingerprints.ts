import { createHash, createHmac } from 'node:crypto';

/**
 * Auth0 never returns an Action's secret values (names and updated_at only), nor some credentials
 * (the SMTP password). So a deploy records keyed fingerprints where the plan can read them back,
 * and the plan compares fingerprints, never values:
 *
 * - per Action, one trailing line of the deployed code: `//# secrets: NAME=<hmac16>,...`;
 * - for other secret fields, the deploy client's `client_metadata.deploy_fingerprints`
 *   (`KEYWORD=<hmac16>,...`), written after a successful deploy.
 *
 * hmac16 = the first 16 hex digits of HMAC-SHA256(DEPLOY_FINGERPRINT_KEY, scope \0 name \0 value).
 * The key is a per-environment CI secret: a fingerprint reveals nothing without it, and a plan run
 * with read-only credentials (pull requests, the drift check) uses the same key as the deploy.
 */

export type Fingerprinter = (scope: string, name: string, value: string) => string;

export function fingerprinter(key: string): Fingerprinter {
  if (key.length < 16) throw new Error('DEPLOY_FINGERPRINT_KEY must be at least 16 characters');
  return (scope, name, value) =>
    createHmac('sha256', key).update(`${scope}\0${name}\0${value}`).digest('hex').slice(0, 16);
}

/**
 * The fingerprint of an Action secret whose value is no secret (a keyword the environment file
 * does not declare secret, e.g. TERMS_VERSION): unkeyed, so that a plan without the key (CI)
 * still sees it change. The value is in the repository anyway.
 */
export function publicFingerprint(scope: string, name: string, value: string): string {
  return createHash('sha256').update(`${scope}\0${name}\0${value}`).digest('hex').slice(0, 16);
}

/** Ledger entries are keyed by keyword, in this scope. */
export const KEYWORD_SCOPE = 'keyword';
export const LEDGER_METADATA_KEY = 'deploy_fingerprints';
/** Auth0's limit on a client_metadata value. */
export const LEDGER_MAX_LENGTH = 255;

const LINE_PREFIX = '//# secrets:';
const ENTRY = /^([A-Za-z0-9_]+)=([0-9a-f]{16})$/;

export type Fingerprints = Readonly<Record<string, string>>;

/** The code as staged for deploy-cli: the bundle, then the fingerprint line. */
export function withFingerprintLine(code: string, fingerprints: Fingerprints): string {
  return `${withFinalNewline(code)}${LINE_PREFIX} ${formatEntries(fingerprints)}\n`;
}

/** Deployed code back as built, and the fingerprints it carries (undefined: no line, never deployed by this tool). */
export function splitFingerprintLine(deployed: string): { code: string; fingerprints: Fingerprints | undefined } {
  const body = deployed.endsWith('\n') ? deployed.slice(0, -1) : deployed;
  const start = body.lastIndexOf('\n') + 1;
  const last = body.slice(start);
  if (!last.startsWith(LINE_PREFIX)) return { code: deployed, fingerprints: undefined };
  const fingerprints = parseEntries(last.slice(LINE_PREFIX.length).trim());
  return fingerprints === undefined
    ? { code: deployed, fingerprints: undefined }
    : { code: body.slice(0, start), fingerprints };
}

export function withFinalNewline(code: string): string {
  return code.endsWith('\n') ? code : `${code}\n`;
}

export function formatEntries(fingerprints: Fingerprints): string {
  return Object.keys(fingerprints)
    .sort()
    .map((name) => `${name}=${fingerprints[name]}`)
    .join(',');
}

/** Undefined when the text is not a well-formed entry list (then nothing is trusted). */
export function parseEntries(text: string): Fingerprints | undefined {
  if (text === '') return {};
  const out: Record<string, string> = {};
  for (const entry of text.split(',')) {
    const match = ENTRY.exec(entry.trim());
    if (!match?.[1] || !match[2]) return undefined;
    out[match[1]] = match[2];
  }
  return out;
}
