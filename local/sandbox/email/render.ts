import { Liquid, LiquidError } from 'liquidjs';
import type { Client, EmailTemplate, JsonObject, TenantSettings, User } from '../store';

/**
 * Auth0's email rendering: Liquid (liquidjs, Auth0's engine) over `from`, `subject`, the body and
 * `resultUrl`, with the variables of https://auth0.com/docs/customize/email/email-templates/supported-liquid-syntax.
 * Pure: the caller brings the template, the tenant settings, the user, the application and the link.
 */

/** What an email template may read (the documented variables; `url` only on emails with a link). */
export interface EmailVariables {
  application: { name: string; clientID: string; callback_domain: string; client_metadata: Record<string, string> };
  connection: { name: string };
  tenant: string;
  friendly_name: string;
  support_email: string;
  support_url: string;
  request_language: string;
  user: EmailUser;
  url?: string;
}

export interface EmailUser {
  email: string;
  email_verified: boolean;
  name?: string;
  nickname?: string;
  given_name?: string;
  family_name?: string;
  picture?: string;
  app_metadata: JsonObject;
  user_metadata: JsonObject;
  /** blocked_account only: where the failed logins came from. */
  source_ip?: string;
  city?: string;
  country?: string;
}

export interface VariableSources {
  tenantName: string;
  settings: Pick<TenantSettings, 'friendly_name' | 'support_email'> & { support_url?: unknown };
  user: User;
  /** The application the email is about; Auth0 uses the global client when none is given. */
  client: Pick<Client, 'client_id' | 'name' | 'callbacks' | 'client_metadata'> | undefined;
  connection: string;
  url?: string;
  /** The UI language of the request that caused the email, when there was one. */
  locale?: string;
  location?: Pick<EmailUser, 'source_ip' | 'city' | 'country'>;
}

export function emailVariables(sources: VariableSources): EmailVariables {
  const { user, client, settings } = sources;
  const profile = {
    name: user.name,
    nickname: user.nickname,
    given_name: user.given_name,
    family_name: user.family_name,
    picture: user.picture,
  };
  return {
    application: {
      name: client?.name ?? '',
      clientID: client?.client_id ?? '',
      callback_domain: callbackDomain(client?.callbacks),
      client_metadata: client?.client_metadata ?? {},
    },
    connection: { name: sources.connection },
    tenant: sources.tenantName,
    friendly_name: settings.friendly_name ?? '',
    support_email: settings.support_email ?? '',
    support_url: typeof settings.support_url === 'string' ? settings.support_url : '',
    request_language: sources.locale ?? '',
    user: {
      email: user.email ?? '',
      email_verified: user.email_verified,
      ...Object.fromEntries(Object.entries(profile).filter(([, value]) => value !== undefined)),
      app_metadata: user.app_metadata,
      user_metadata: user.user_metadata,
      ...sources.location,
    },
    ...(sources.url !== undefined ? { url: sources.url } : {}),
  };
}

/** `application.callback_domain`: the origin of the client's first callback URL. */
function callbackDomain(callbacks: readonly string[] | undefined): string {
  const first = callbacks?.[0];
  if (first === undefined) return '';
  try {
    return new URL(first).origin;
  } catch {
    return '';
  }
}

const liquid = new Liquid({
  // An unknown filter is a mistake in the template, not an empty string.
  strictFilters: true,
  // Auth0 renders a missing variable (an unset user_metadata key) as empty.
  strictVariables: false,
  ownPropertyOnly: true,
  // No file system: `include`/`render` of files would read the sandbox's disk.
  templates: {},
  // A template is tenant configuration, but a runaway loop must not hang the sandbox.
  parseLimit: 1_000_000,
  renderLimit: 100_000,
  memoryLimit: 64_000_000,
});

/** Parsed templates by source: a tenant has a handful, each rendered many times. */
const parsed = new Map<string, ReturnType<Liquid['parse']>>();
const PARSED_MAX = 256;

function parse(source: string): ReturnType<Liquid['parse']> {
  let templates = parsed.get(source);
  if (!templates) {
    templates = liquid.parse(source);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(source, templates);
  }
  return templates;
}

/** Which field of the template failed, and liquidjs's message (with line and column). */
export class TemplateError extends Error {
  constructor(
    readonly field: TemplateField,
    readonly detail: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'TemplateError';
  }
}

export type TemplateField = 'from' | 'subject' | 'body' | 'resultUrl';

export function renderLiquid(field: TemplateField, source: string, variables: object): string {
  try {
    // liquidjs types the output as any; a template renders to text.
    return String(liquid.renderSync(parse(source), variables));
  } catch (error) {
    if (!(error instanceof LiquidError)) throw error;
    const [line, col] = error.token?.getPosition() ?? [];
    // liquidjs's message ends with the offending source line; keep the first line only.
    const detail = (error.message.split('\n')[0] ?? error.message).trim();
    throw new TemplateError(field, detail, line, col);
  }
}

export interface RenderedEmail {
  from: string;
  subject: string;
  html: string;
  resultUrl?: string;
}

/**
 * Renders every Liquid field of a template. `resultUrl` sees only `application` (Auth0 documents
 * `application.name`, `application.clientID` and `application.callback_domain` there).
 */
export function renderEmail(
  template: Pick<EmailTemplate, 'from' | 'subject' | 'body' | 'resultUrl'>,
  variables: EmailVariables,
  defaultFrom: string,
): RenderedEmail {
  const resultUrl = template.resultUrl
    ? renderLiquid('resultUrl', template.resultUrl, { application: variables.application })
    : undefined;
  return {
    from: template.from ? renderLiquid('from', template.from, variables) : defaultFrom,
    subject: renderLiquid('subject', template.subject ?? '', variables),
    html: renderLiquid('body', template.body ?? '', variables),
    ...(resultUrl !== undefined ? { resultUrl } : {}),
  };
}
