import { join } from 'node:path';

/**
 * The account service's configuration, read from environment variables once at start. Every
 * problem is reported at once, by variable name only (secrets are never echoed), and the service
 * does not start with any of them.
 */

export const DEFAULT_PORT = 8444;
export const DEFAULT_HOST = '127.0.0.1';
/** A `@fastify/secure-session` key: libsodium's secretbox key size. */
const SESSION_KEY_BYTES = 32;
/** HS256 with less than 32 characters of secret can be brute-forced from one token in a URL. */
const MIN_TOKEN_SECRET_LENGTH = 32;

export interface AccountConfig {
  host: string;
  port: number;
  /** `https://<tenant domain>`: where the pages post their answers (`/continue`). */
  tenantOrigin: string;
  /** The enforce-terms Action's SESSION_TOKEN_SECRET (tenant.yaml: TERMS_SESSION_TOKEN_SECRET). */
  termsSessionSecret: string;
  /** Cookie encryption keys: the first encrypts, all decrypt (rotation). */
  sessionKeys: Buffer[];
  /** Fastify's trustProxy: the load balancers' addresses/CIDRs; false = clients connect directly. */
  trustProxy: false | string[];
  /** account/terms/content/<version>/<locale>.html */
  termsContentDir: string;
  /**
   * The account service's own client (tenant.yaml's `Account Service`), for the logins it starts
   * itself (the linking page's proof of control). Absent: those pages are not served.
   */
  accountClient?: AccountClientConfig;
  /** prompt-account-linking's SESSION_TOKEN_SECRET (tenant.yaml: LINKING_SESSION_TOKEN_SECRET). */
  linkingSessionSecret?: string;
  /** The Management API client of the profile pages (tenant.yaml's `Account Service M2M`). */
  management?: ManagementConfig;
  /** The profile API's audience (tenant.yaml's PROFILE_API_AUDIENCE); needs `management`. */
  profileApiAudience?: string;
  /** The Profile SPA's origins (tenant.yaml's PROFILE_WEB_ORIGINS): the profile API answers CORS for them. */
  profileApiOrigins?: string[];
  /** How the service sends its own emails (the email change); absent: the email change is not served. */
  mail?: MailConfig;
}

export interface MailConfig {
  smtp: SmtpTransportConfig;
  /** The From header: `address` or `Name <address>`. */
  from: string;
}

/** An SMTP server, from ACCOUNT_SMTP_URL: TLS from the start, STARTTLS required, or loopback. */
export interface SmtpTransportConfig {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://). */
  secure: boolean;
  /** smtp:// off loopback: refuse to send unless the server upgrades to TLS (STARTTLS). */
  requireTLS: boolean;
  auth?: { user: string; pass: string };
}

export interface ManagementConfig {
  /** The tenant's canonical domain: the Management API is not served on custom domains. */
  domain: string;
  clientId: string;
  clientSecret: string;
}

export interface AccountClientConfig {
  /** The service's public origin (`https://account.acme.example`): callbacks are built on it. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid account service configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const blank = (value: string | undefined): value is undefined => value === undefined || value.trim() === '';

/** A tenant domain (`host` or `host:port`) as an https origin, or undefined when it is not one. */
export function parseTenantOrigin(value: string): string | undefined {
  const host = value
    .trim()
    .replace(/^https:\/\//i, '')
    .replace(/\/$/, '');
  let url: URL;
  try {
    url = new URL(`https://${host}`);
  } catch {
    return undefined;
  }
  return url.host === host.toLowerCase() && url.username === '' && url.password === '' ? url.origin : undefined;
}

function parsePort(value: string | undefined, problems: string[]): number {
  if (blank(value)) return DEFAULT_PORT;
  const port = Number(value);
  if (Number.isInteger(port) && port >= 0 && port <= 65535 && /^\d+$/.test(value.trim())) return port;
  problems.push('ACCOUNT_PORT must be a port number (0-65535)');
  return DEFAULT_PORT;
}

function parseSessionKeys(value: string | undefined, problems: string[]): Buffer[] {
  if (blank(value)) {
    problems.push(
      `ACCOUNT_SESSION_KEYS is required (secret): comma-separated base64 keys of ${SESSION_KEY_BYTES} bytes, the first encrypts`,
    );
    return [];
  }
  const keys = value
    .split(',')
    .map((part) => part.trim())
    .map((part) => Buffer.from(part, 'base64'));
  if (keys.some((key) => key.length !== SESSION_KEY_BYTES)) {
    problems.push(
      `ACCOUNT_SESSION_KEYS: every key must be ${SESSION_KEY_BYTES} bytes in base64 (e.g. openssl rand -base64 32)`,
    );
    return [];
  }
  return keys;
}

function parseTrustProxy(value: string | undefined, problems: string[]): AccountConfig['trustProxy'] {
  if (blank(value)) return false;
  const addresses = value
    .trim()
    .split(',')
    .map((part) => part.trim());
  // Addresses or CIDRs only: "true" would trust any client's X-Forwarded-For and defeat per-IP limits.
  if (addresses.every((address) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(address))) return addresses;
  problems.push('ACCOUNT_TRUST_PROXY must be comma-separated addresses/CIDRs of the load balancers');
  return false;
}

/** A public origin: https, or http on loopback only (as Auth0 allows for callbacks). */
export function parseBaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
  const bare =
    url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  return schemeOk && bare ? url.origin : undefined;
}

const ACCOUNT_CLIENT_VARIABLES = [
  'ACCOUNT_BASE_URL',
  'ACCOUNT_CLIENT_ID',
  'ACCOUNT_CLIENT_SECRET',
  'LINKING_SESSION_TOKEN_SECRET',
] as const;

/**
 * The linking page's variables come as a group: all of them (the page is served) or none (only
 * the consent page is); a partial group is a mistake, reported by name.
 */
function parseAccountClient(
  env: Env,
  problems: string[],
): Pick<AccountConfig, 'accountClient' | 'linkingSessionSecret'> {
  const present = ACCOUNT_CLIENT_VARIABLES.filter((name) => !blank(env[name]));
  if (present.length === 0) return {};
  if (present.length < ACCOUNT_CLIENT_VARIABLES.length) {
    const missing = ACCOUNT_CLIENT_VARIABLES.filter((name) => blank(env[name]));
    problems.push(`${missing.join(', ')} required with ${present.join(', ')} (the linking page needs all of them)`);
    return {};
  }
  const baseUrl = parseBaseUrl(env['ACCOUNT_BASE_URL'] ?? '');
  if (!baseUrl)
    problems.push("ACCOUNT_BASE_URL must be the service's public origin: https://host[:port] (http only on loopback)");
  const linkingSessionSecret = env['LINKING_SESSION_TOKEN_SECRET'] ?? '';
  if (linkingSessionSecret.length < MIN_TOKEN_SECRET_LENGTH)
    problems.push(`LINKING_SESSION_TOKEN_SECRET must be at least ${MIN_TOKEN_SECRET_LENGTH} characters`);
  if (!baseUrl) return {};
  return {
    accountClient: {
      baseUrl,
      clientId: (env['ACCOUNT_CLIENT_ID'] ?? '').trim(),
      clientSecret: env['ACCOUNT_CLIENT_SECRET'] ?? '',
    },
    linkingSessionSecret,
  };
}

const MANAGEMENT_VARIABLES = ['ACCOUNT_MGMT_DOMAIN', 'ACCOUNT_MGMT_CLIENT_ID', 'ACCOUNT_MGMT_CLIENT_SECRET'] as const;

/** The profile pages' Management API client: all three variables or none. */
function parseManagement(env: Env, problems: string[]): ManagementConfig | undefined {
  const present = MANAGEMENT_VARIABLES.filter((name) => !blank(env[name]));
  if (present.length === 0) return undefined;
  if (present.length < MANAGEMENT_VARIABLES.length) {
    const missing = MANAGEMENT_VARIABLES.filter((name) => blank(env[name]));
    problems.push(`${missing.join(', ')} required with ${present.join(', ')} (the profile pages need all of them)`);
    return undefined;
  }
  const origin = parseTenantOrigin(env['ACCOUNT_MGMT_DOMAIN'] ?? '');
  if (!origin) {
    problems.push("ACCOUNT_MGMT_DOMAIN must be the tenant's canonical domain (e.g. acme.eu.auth0.com)");
    return undefined;
  }
  return {
    domain: new URL(origin).host,
    clientId: (env['ACCOUNT_MGMT_CLIENT_ID'] ?? '').trim(),
    clientSecret: env['ACCOUNT_MGMT_CLIENT_SECRET'] ?? '',
  };
}

const MAIL_VARIABLES = ['ACCOUNT_SMTP_URL', 'ACCOUNT_MAIL_FROM'] as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A mailbox without display name, or `Name <mailbox>`: one address, no header injection. */
const MAIL_FROM = /^(?:[^<>\r\n"]{1,100} <[^<>\s]+@[^<>\s]+>|[^<>\s"]+@[^<>\s]+)$/;

/**
 * ACCOUNT_SMTP_URL: `smtps://[user:pass@]host[:port]` (TLS), `smtp://…?requireTLS=true` (STARTTLS
 * required), or plain `smtp://` on loopback only (a local relay or the sandbox). Credentials travel
 * only over TLS or loopback, and no other option (e.g. turning certificate checks off) is accepted.
 */
export function parseSmtpUrl(value: string): SmtpTransportConfig | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  const secure = url.protocol === 'smtps:';
  if (!secure && url.protocol !== 'smtp:') return undefined;
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.hash !== '') return undefined;
  const query = [...url.searchParams];
  const requireTLS = query.length === 1 && query[0]?.[0] === 'requireTLS' && query[0][1] === 'true';
  if (query.length > 0 && (secure || !requireTLS)) return undefined;
  const host = url.hostname.toLowerCase();
  if (!secure && !requireTLS && !LOOPBACK_HOSTS.has(host)) return undefined;
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const user = percentDecoded(url.username);
  const pass = percentDecoded(url.password);
  if (user === undefined || pass === undefined) return undefined;
  return {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port,
    secure,
    requireTLS,
    ...(user !== '' ? { auth: { user, pass } } : {}),
  };
}

/** The URL's percent-encoded credential decoded, or undefined for a malformed escape (`%zz`). */
function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The email change's mail transport: both variables or none (then it is not served). */
function parseMail(env: Env, problems: string[]): MailConfig | undefined {
  const present = MAIL_VARIABLES.filter((name) => !blank(env[name]));
  if (present.length === 0) return undefined;
  if (present.length < MAIL_VARIABLES.length) {
    const missing = MAIL_VARIABLES.filter((name) => blank(env[name]));
    problems.push(`${missing.join(', ')} required with ${present.join(', ')} (the email change needs all of them)`);
    return undefined;
  }
  const smtp = parseSmtpUrl(env['ACCOUNT_SMTP_URL'] ?? '');
  if (!smtp)
    problems.push(
      'ACCOUNT_SMTP_URL must be smtps://[user:pass@]host[:port], smtp://…?requireTLS=true (STARTTLS), or smtp:// on loopback',
    );
  const from = (env['ACCOUNT_MAIL_FROM'] ?? '').trim();
  if (!MAIL_FROM.test(from))
    problems.push('ACCOUNT_MAIL_FROM must be one address: mailbox@domain or Name <mailbox@domain>');
  return smtp && MAIL_FROM.test(from) ? { smtp, from } : undefined;
}

/**
 * The origins the profile API answers CORS for: each an exact origin, https or http on loopback
 * (no `*`, no path); the invalid entries are reported by position, as every problem here is
 * reported without its value.
 */
function parseProfileApiOrigins(value: string | undefined, problems: string[]): string[] | undefined {
  if (blank(value)) return undefined;
  const parsed = value.split(',').map((part) => parseBaseUrl(part));
  const origins = parsed.filter((origin): origin is string => origin !== undefined);
  if (origins.length < parsed.length) {
    const invalid = parsed.flatMap((origin, index) => (origin === undefined ? [index + 1] : []));
    problems.push(
      `ACCOUNT_PROFILE_API_ORIGINS: entry ${invalid.join(', ')} is not an origin (https://host[:port], http only on loopback; no path, no *)`,
    );
    return undefined;
  }
  return [...new Set(origins)];
}

export function readAccountConfig(env: Env): AccountConfig {
  const problems: string[] = [];
  const port = parsePort(env['ACCOUNT_PORT'], problems);
  const host = blank(env['ACCOUNT_HOST']) ? DEFAULT_HOST : env['ACCOUNT_HOST'].trim();

  const domain = env['AUTH0_DOMAIN'];
  const tenantOrigin = blank(domain) ? undefined : parseTenantOrigin(domain);
  if (blank(domain)) problems.push('AUTH0_DOMAIN is required: the domain users log in on (the custom domain, if any)');
  else if (!tenantOrigin)
    problems.push('AUTH0_DOMAIN must be a host name, optionally with a port (e.g. acme.eu.auth0.com)');

  const termsSessionSecret = env['TERMS_SESSION_TOKEN_SECRET'];
  if (blank(termsSessionSecret))
    problems.push("TERMS_SESSION_TOKEN_SECRET is required (secret): the enforce-terms Action's SESSION_TOKEN_SECRET");
  else if (termsSessionSecret.length < MIN_TOKEN_SECRET_LENGTH)
    problems.push(`TERMS_SESSION_TOKEN_SECRET must be at least ${MIN_TOKEN_SECRET_LENGTH} characters`);

  const sessionKeys = parseSessionKeys(env['ACCOUNT_SESSION_KEYS'], problems);
  const trustProxy = parseTrustProxy(env['ACCOUNT_TRUST_PROXY'], problems);
  const linking = parseAccountClient(env, problems);
  const management = parseManagement(env, problems);
  const mail = parseMail(env, problems);
  const profileApiAudience = blank(env['ACCOUNT_PROFILE_API_AUDIENCE'])
    ? undefined
    : env['ACCOUNT_PROFILE_API_AUDIENCE'].trim();
  if (profileApiAudience !== undefined && !management)
    problems.push(
      'ACCOUNT_PROFILE_API_AUDIENCE needs the ACCOUNT_MGMT_* variables (the profile API reads and writes the user)',
    );
  if (mail && !(management && linking.accountClient))
    problems.push(
      'ACCOUNT_SMTP_URL and ACCOUNT_MAIL_FROM need the profile page (the linking and ACCOUNT_MGMT_* variables)',
    );
  const profileApiOrigins = parseProfileApiOrigins(env['ACCOUNT_PROFILE_API_ORIGINS'], problems);
  if (profileApiOrigins !== undefined && profileApiAudience === undefined)
    problems.push(
      'ACCOUNT_PROFILE_API_ORIGINS needs ACCOUNT_PROFILE_API_AUDIENCE (they are the profile API’s callers)',
    );
  if (linking.linkingSessionSecret !== undefined && linking.linkingSessionSecret === termsSessionSecret)
    problems.push('LINKING_SESSION_TOKEN_SECRET must differ from TERMS_SESSION_TOKEN_SECRET (one key per page)');

  if (problems.length > 0 || !tenantOrigin || blank(termsSessionSecret)) throw new ConfigError(problems);
  return {
    host,
    port,
    tenantOrigin,
    termsSessionSecret,
    sessionKeys,
    trustProxy,
    termsContentDir: join(__dirname, 'terms', 'content'),
    ...linking,
    ...(management ? { management } : {}),
    ...(profileApiAudience ? { profileApiAudience } : {}),
    ...(mail ? { mail } : {}),
    ...(profileApiOrigins ? { profileApiOrigins } : {}),
  };
}
