import type { Event } from '../platform/post-login';
import { parsePageUrl, requiredValue } from '../lib/settings';
import { parseIsoTime } from '../lib/untrusted';

export interface TermsConfig {
  /** Opaque: any change forces re-acceptance. */
  version: string;
  url: URL;
  sessionSecret: string;
  /** Epoch ms before which non-interactive flows may go on without acceptance; absent = no grace. */
  graceUntil?: number;
}

export type ConfigResult = { ok: true; config: TermsConfig } | { ok: false; problems: string[] };

/** Secrets are read here only, as literal property reads (the offline validator scans for them). */
export function readConfig(event: Event): ConfigResult {
  const secrets = event.secrets ?? {};
  const version = requiredValue(secrets.TERMS_VERSION);
  const url = parsePageUrl(secrets.TERMS_URL);
  const sessionSecret = requiredValue(secrets.SESSION_TOKEN_SECRET);
  const rawGrace = secrets.TERMS_GRACE_UNTIL;
  const graceSet = requiredValue(rawGrace) !== undefined;
  const graceUntil = graceSet ? parseIsoTime(rawGrace) : undefined;

  const problems: string[] = [];
  if (!version) problems.push('TERMS_VERSION');
  if (!url) problems.push('TERMS_URL');
  if (!sessionSecret) problems.push('SESSION_TOKEN_SECRET');
  // A grace date that cannot be read is a mistake to surface, not a silent "no grace".
  if (graceSet && graceUntil === undefined) problems.push('TERMS_GRACE_UNTIL');
  if (!version || !url || !sessionSecret || problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { version, url, sessionSecret, graceUntil } };
}
