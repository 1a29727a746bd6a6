import type { Event } from '../platform/post-login';
import type { ManagementSettings } from '../lib/management';
import { parseDomain, parsePageUrl, requiredValue } from '../lib/settings';

const DEFAULT_COOLDOWN_DAYS = 30;

export interface LinkingConfig {
  linkingUrl: URL;
  sessionSecret: string;
  management: ManagementSettings;
  cooldownMs: number;
}

export type ConfigResult = { ok: true; config: LinkingConfig; warnings: string[] } | { ok: false; problems: string[] };

/** Secrets are read here only, as literal property reads (the offline validator scans for them). */
export function readConfig(event: Event): ConfigResult {
  const secrets = event.secrets ?? {};
  const linkingUrl = parsePageUrl(secrets.LINKING_URL);
  const sessionSecret = requiredValue(secrets.SESSION_TOKEN_SECRET);
  const origin = parseDomain(secrets.MGMT_DOMAIN);
  const clientId = requiredValue(secrets.MGMT_CLIENT_ID);
  const clientSecret = requiredValue(secrets.MGMT_CLIENT_SECRET);
  const rawCooldown = secrets.LINKING_COOLDOWN_DAYS;

  if (!linkingUrl || !sessionSecret || !origin || !clientId || !clientSecret) {
    const problems = Object.entries({
      LINKING_URL: linkingUrl,
      SESSION_TOKEN_SECRET: sessionSecret,
      MGMT_DOMAIN: origin,
      MGMT_CLIENT_ID: clientId,
      MGMT_CLIENT_SECRET: clientSecret,
    })
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    return { ok: false, problems };
  }
  const warnings: string[] = [];
  let cooldownDays = DEFAULT_COOLDOWN_DAYS;
  if (requiredValue(rawCooldown) !== undefined) {
    // Whole days, 0 (always look) to 3650; anything else falls back to the default.
    if (typeof rawCooldown === 'string' && /^\d{1,4}$/.test(rawCooldown.trim()) && Number(rawCooldown) <= 3650)
      cooldownDays = Number(rawCooldown);
    else warnings.push('LINKING_COOLDOWN_DAYS');
  }
  return {
    ok: true,
    config: {
      linkingUrl,
      sessionSecret,
      management: { origin, clientId, clientSecret },
      cooldownMs: cooldownDays * 86_400_000,
    },
    warnings,
  };
}
