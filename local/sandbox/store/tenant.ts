import type { Db } from './db';
import { isJsonObject, parseDoc, type JsonObject } from './json';
import { notFound, conflict } from '../errors';

export interface TenantSettings {
  friendly_name?: string;
  support_email?: string;
  enabled_locales: string[];
  flags: Record<string, boolean>;
  session_lifetime?: number;
  idle_session_lifetime?: number;
  [field: string]: unknown;
}

export type TenantSettingsUpdate = Partial<TenantSettings>;

export interface EmailProvider {
  name: string;
  enabled: boolean;
  default_from_address?: string;
  credentials?: JsonObject;
  settings?: JsonObject;
  [field: string]: unknown;
}

export type EmailProviderUpdate = Partial<EmailProvider>;

// What a fresh Auth0 tenant reports, trimmed to fields that matter for deploys and logins.
const DEFAULT_SETTINGS: TenantSettings = {
  enabled_locales: ['en'],
  flags: {
    enable_sso: true,
    allow_changing_enable_sso: false,
    disable_impersonation: true,
    revoke_refresh_token_grant: false,
    enable_public_signup_user_exists_error: true,
    allow_legacy_delegation_grant_types: false,
    allow_legacy_ro_grant_types: false,
    allow_legacy_tokeninfo_endpoint: false,
    enable_legacy_profile: false,
    enable_idtoken_api2: false,
    disable_clickjack_protection_headers: false,
    no_disclose_enterprise_connections: false,
  },
  sandbox_version: '22',
  sandbox_versions_available: ['22', '18'],
  session_lifetime: 168,
  idle_session_lifetime: 72,
};

export type AttackProtectionKind =
  'breached-password-detection' | 'brute-force-protection' | 'suspicious-ip-throttling';

/** Attack-protection settings are open JSON objects; the API layer validates their shape. */
export type AttackProtectionSettings = JsonObject;

// Auth0's defaults for a new tenant.
const ATTACK_PROTECTION_DEFAULTS: Record<AttackProtectionKind, AttackProtectionSettings> = {
  'breached-password-detection': {
    enabled: false,
    shields: [],
    admin_notification_frequency: [],
    method: 'standard',
    stage: { 'pre-user-registration': { shields: [] }, 'pre-change-password': { shields: [] } },
  },
  'brute-force-protection': {
    enabled: true,
    shields: ['block', 'user_notification'],
    mode: 'count_per_identifier_and_ip',
    allowlist: [],
    max_attempts: 10,
  },
  'suspicious-ip-throttling': {
    enabled: true,
    shields: ['admin_notification', 'block'],
    allowlist: [],
    stage: {
      'pre-login': { max_attempts: 100, rate: 864000 },
      'pre-user-registration': { max_attempts: 50, rate: 1200 },
    },
  },
};

const SETTINGS_KEY = 'tenant_settings';
const EMAIL_PROVIDER_KEY = 'email_provider';

export class TenantRepo {
  private readonly read;
  private readonly write;
  private readonly remove;

  constructor(private readonly db: Db) {
    this.read = db.prepare<{ key: string }, { value: string }>('SELECT value FROM meta WHERE key = @key');
    this.write = db.prepare<{ key: string; value: string }>(
      'INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.remove = db.prepare<{ key: string }>('DELETE FROM meta WHERE key = @key');
  }

  getValue(key: string): string | undefined {
    return this.read.get({ key })?.value;
  }

  setValue(key: string, value: string): void {
    this.write.run({ key, value });
  }

  settings(): TenantSettings {
    const stored = this.getValue(SETTINGS_KEY);
    return stored ? parseDoc<TenantSettings>(stored) : structuredClone(DEFAULT_SETTINGS);
  }

  /**
   * Top-level fields replace; `flags` merge key by key (Auth0 keeps flags you do not send);
   * `*_in_minutes` lifetimes are stored as the hour fields GET reports.
   */
  updateSettings(patch: TenantSettingsUpdate): TenantSettings {
    return this.db.transaction(() => {
      const next = this.settings();
      for (const [field, value] of Object.entries(patch)) {
        const hours = /^(.*_lifetime)_in_minutes$/.exec(field)?.[1];
        if (hours && typeof value === 'number') next[hours] = value / 60;
        else if (field === 'flags' && isJsonObject(value)) next.flags = { ...next.flags, ...toFlags(value) };
        else if (value === null) delete next[field];
        else next[field] = value;
      }
      this.setValue(SETTINGS_KEY, JSON.stringify(next));
      return next;
    })();
  }

  attackProtection(kind: AttackProtectionKind): AttackProtectionSettings {
    const stored = this.getValue(`attack_protection.${kind}`);
    return stored ? parseDoc<AttackProtectionSettings>(stored) : structuredClone(ATTACK_PROTECTION_DEFAULTS[kind]);
  }

  /** Top-level fields replace the stored ones. */
  updateAttackProtection(kind: AttackProtectionKind, patch: AttackProtectionSettings): AttackProtectionSettings {
    const next = { ...this.attackProtection(kind), ...patch };
    this.setValue(`attack_protection.${kind}`, JSON.stringify(next));
    return next;
  }

  emailProvider(): EmailProvider | undefined {
    const stored = this.getValue(EMAIL_PROVIDER_KEY);
    return stored ? parseDoc<EmailProvider>(stored) : undefined;
  }

  requireEmailProvider(): EmailProvider {
    const provider = this.emailProvider();
    if (!provider) throw notFound('Email provider has not been configured', 'inexistent_email_provider');
    return provider;
  }

  createEmailProvider(input: EmailProvider): EmailProvider {
    if (this.emailProvider()) throw conflict('An email provider is already configured', 'email_provider_conflict');
    const provider: EmailProvider = { ...input, enabled: input.enabled ?? true };
    this.setValue(EMAIL_PROVIDER_KEY, JSON.stringify(provider));
    return provider;
  }

  updateEmailProvider(patch: EmailProviderUpdate): EmailProvider {
    const next: EmailProvider = { ...this.requireEmailProvider() };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete next[field];
      else next[field] = value;
    }
    this.setValue(EMAIL_PROVIDER_KEY, JSON.stringify(next));
    return next;
  }

  deleteEmailProvider(): void {
    this.remove.run({ key: EMAIL_PROVIDER_KEY });
  }
}

function toFlags(value: JsonObject): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  for (const [key, flag] of Object.entries(value)) {
    if (typeof flag === 'boolean') flags[key] = flag;
  }
  return flags;
}
