import type { EmailTemplate } from '../store';

/**
 * What Auth0 sends when a tenant has no custom template (or no custom email provider): its own
 * default templates. These stand-ins carry the same variables and link, in English only.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<string, Pick<EmailTemplate, 'subject' | 'body'>>> = {
  verify_email: {
    subject: 'Verify your email',
    body: '<p>Please verify your {{ friendly_name | escape }} account by following this link:</p><p><a href="{{ url }}">{{ url }}</a></p>',
  },
  reset_email: {
    subject: 'Reset your password',
    body: '<p>We received a request to reset the password of your {{ friendly_name | escape }} account:</p><p><a href="{{ url }}">{{ url }}</a></p>',
  },
  welcome_email: {
    subject: 'Welcome to {{ friendly_name }}',
    body: '<p>Welcome to {{ friendly_name | escape }}!</p>',
  },
  blocked_account: {
    subject: 'Your account has been blocked',
    body: '<p>We detected suspicious login attempts and blocked your {{ friendly_name | escape }} account.</p>',
  },
};

/** Auth0's lifetime of an email link when the template sets none: 5 days. */
export const DEFAULT_URL_LIFETIME_SECONDS = 432000;

/** The sender when neither the template nor the email provider names one. */
export const DEFAULT_FROM = 'no-reply@auth0user.net';
