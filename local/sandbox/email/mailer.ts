import type { Management } from 'auth0';
import type { Client, EmailTemplate, Store, User } from '../store';
import { DEFAULT_FROM, DEFAULT_TEMPLATES, DEFAULT_URL_LIFETIME_SECONDS } from './defaults';
import { passwordChangeLink, unblockLink, verificationLink } from './links';
import type { Outbox, OutboxEmail } from './outbox';
import { emailVariables, renderEmail, renderLiquid, TemplateError, type EmailUser } from './render';

/** The emails the sandbox sends, by Auth0's template name. */
export type EmailTemplateName = Extract<
  Management.EmailTemplateNameEnum,
  'verify_email' | 'reset_email' | 'welcome_email' | 'blocked_account'
>;

export interface SendEmailInput {
  template: EmailTemplateName;
  user: User;
  /** The application the email is about (Auth0 falls back to the global client). */
  clientId?: string;
  /** The request's UI language (`request_language`). */
  locale?: string;
  /**
   * The link. verify_email, reset_email and blocked_account create their own ticket link when none
   * is given (lifetime from the template's urlLifetimeInSeconds, result URL from its resultUrl).
   */
  url?: string;
  /** blocked_account: where the failed logins came from (`user.source_ip`, `user.city`, `user.country`). */
  location?: Pick<EmailUser, 'source_ip' | 'city' | 'country'>;
}

export type SendEmailResult =
  { sent: true; email: OutboxEmail } | { sent: false; reason: 'template_disabled' | 'no_email_address' };

/**
 * Sends (into the outbox) the emails Auth0 sends: the tenant's deployed template when a custom
 * email provider is configured and the template is enabled, Auth0's default otherwise. A template
 * that fails to render is recorded with its `error`, as the failed delivery it would be.
 */
export class Mailer {
  constructor(
    private readonly store: Store,
    private readonly outbox: Outbox,
    private readonly endpoint: () => { domain: string },
  ) {}

  sendEmail(input: SendEmailInput): SendEmailResult {
    const { user } = input;
    if (!user.email) return { sent: false, reason: 'no_email_address' };
    const template = this.template(input.template);
    if (template.enabled === false) return { sent: false, reason: 'template_disabled' };
    const client = this.client(input.clientId);
    const provider = this.store.tenant.emailProvider();
    const urlLifetimeInSeconds = template.urlLifetimeInSeconds ?? DEFAULT_URL_LIFETIME_SECONDS;
    const base = { template: input.template, to: user.email, user_id: user.user_id, urlLifetimeInSeconds };
    const sources = {
      tenantName: client?.tenant ?? '',
      settings: this.store.tenant.settings(),
      user,
      client,
      connection: user.identities[0]?.connection ?? '',
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...(input.location !== undefined ? { location: input.location } : {}),
    };
    const from = provider?.default_from_address ?? DEFAULT_FROM;
    try {
      let { url } = input;
      let resultUrl: string | undefined;
      if (url === undefined && input.template !== 'welcome_email') {
        // The link exists before the body that carries it; resultUrl may only read `application`.
        const variables = emailVariables(sources);
        resultUrl = template.resultUrl
          ? renderLiquid('resultUrl', template.resultUrl, { application: variables.application })
          : undefined;
        url = this.ticketLink(input.template, user, urlLifetimeInSeconds, resultUrl, template, client);
      }
      const rendered = renderEmail(
        template,
        emailVariables({ ...sources, ...(url !== undefined ? { url } : {}) }),
        from,
      );
      const email = this.outbox.add({
        ...base,
        from: rendered.from,
        subject: rendered.subject,
        html: rendered.html,
        ...(url !== undefined ? { url } : {}),
        ...((resultUrl ?? rendered.resultUrl) !== undefined ? { resultUrl: resultUrl ?? rendered.resultUrl } : {}),
      });
      return { sent: true, email };
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      return { sent: true, email: this.outbox.add({ ...base, from, subject: '', html: '', error: error.message }) };
    }
  }

  /** The deployed template if Auth0 would use it, else Auth0's default for that email. */
  private template(
    name: EmailTemplateName,
  ): Pick<
    EmailTemplate,
    'from' | 'subject' | 'body' | 'resultUrl' | 'urlLifetimeInSeconds' | 'enabled' | 'includeEmailInRedirect'
  > {
    const deployed = this.store.emailTemplates.get(name);
    const provider = this.store.tenant.emailProvider();
    // Custom templates need a custom email provider; Auth0's built-in one sends its defaults.
    if (deployed && provider && provider.enabled !== false) return deployed;
    return { ...DEFAULT_TEMPLATES[name], ...(deployed?.enabled === false ? { enabled: false } : {}) };
  }

  private client(clientId: string | undefined): Client | undefined {
    if (clientId !== undefined) return this.store.clients.get(clientId);
    return this.store.clients.list().find((client) => client.global);
  }

  private ticketLink(
    name: Exclude<EmailTemplateName, 'welcome_email'>,
    user: User,
    ttlSeconds: number,
    resultUrl: string | undefined,
    template: Pick<EmailTemplate, 'includeEmailInRedirect'>,
    client: Client | undefined,
  ): string {
    const options = {
      include_email: template.includeEmailInRedirect !== false,
      ...(client ? { client_id: client.client_id } : {}),
    };
    const domain = this.endpoint().domain;
    if (name === 'verify_email') {
      return verificationLink(
        domain,
        this.store.tickets.createTicket('email_verification', user.user_id, ttlSeconds, resultUrl, options).id,
      );
    }
    if (name === 'reset_email') {
      return passwordChangeLink(
        domain,
        this.store.tickets.createTicket('password_change', user.user_id, ttlSeconds, resultUrl, options).id,
      );
    }
    return unblockLink(
      domain,
      this.store.tickets.createTicket('account_unblock', user.user_id, ttlSeconds, resultUrl, options).id,
    );
  }
}
