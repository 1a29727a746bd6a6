import type { EmailTemplate, User } from '../store';
import { emailVariables, renderEmail, TemplateError, type EmailVariables } from './render';

/**
 * Representative values of Auth0's email variables: an English user with a profile, a French
 * (fr-CA) one, and one with nothing but an email. Validation renders every template with each;
 * the bench measures with them.
 */
const BASE_USER: User = {
  user_id: 'auth0|0123456789abcdef01234567',
  email: 'jane.doe@example.com',
  email_verified: false,
  identities: [{ connection: 'customers', user_id: '0123456789abcdef01234567', provider: 'auth0', isSocial: false }],
  app_metadata: {},
  user_metadata: {},
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  logins_count: 0,
};

const USERS: readonly User[] = [
  {
    ...BASE_USER,
    name: 'Jane Doe',
    given_name: 'Jane',
    family_name: 'Doe',
    nickname: 'jane',
    picture: 'https://example.com/jane.png',
    user_metadata: { preferred_language: 'en', given_name: 'Jane' },
    app_metadata: { plan: 'free' },
  },
  {
    ...BASE_USER,
    email: 'anne.tremblay@example.com',
    name: 'Anne Tremblay',
    given_name: 'Anne',
    user_metadata: { preferred_language: 'fr-CA' },
  },
  { ...BASE_USER, email: 'no.profile@example.com' },
];

export const SAMPLE_VARIABLES: readonly EmailVariables[] = USERS.map((user, index) =>
  emailVariables({
    tenantName: 'sample-tenant',
    settings: {
      friendly_name: 'Sample Shop',
      support_email: 'support@example.com',
      support_url: 'https://example.com/help',
    },
    user,
    client: {
      client_id: 'SampleClientId0123456789abcdefgh',
      name: 'Sample Web App',
      callbacks: ['https://app.example.com/callback'],
      client_metadata: {},
    },
    connection: 'customers',
    url: 'https://sample.auth0.com/u/email-verification?ticket=SampleTicket0123456789abcdefghij#',
    ...(index === 1 ? { locale: 'fr-CA' } : { locale: 'en' }),
    location: { source_ip: '203.0.113.7', city: 'Montréal', country: 'Canada' },
  }),
);

export type TemplateFields = Pick<EmailTemplate, 'from' | 'subject' | 'body' | 'resultUrl'>;

/** The first render error of each field across the samples (none: the template is fine). */
export function templateErrors(template: TemplateFields): TemplateError[] {
  const errors = new Map<string, TemplateError>();
  for (const variables of SAMPLE_VARIABLES) {
    for (const field of ['from', 'subject', 'body', 'resultUrl'] as const) {
      if (errors.has(field) || !template[field]) continue;
      try {
        renderEmail({ [field]: template[field] }, variables, '');
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        errors.set(field, error);
      }
    }
  }
  return [...errors.values()];
}

/**
 * p50 (and p95) of one email render (from, subject, body, resultUrl) per template, in
 * milliseconds, over the samples; for npm run bench.
 */
export function measureEmailRender(
  templates: readonly (TemplateFields & { template: string })[],
  iterations = 200,
): { template: string; p50Ms: number; p95Ms: number }[] {
  return templates.map((template) => {
    const times: number[] = [];
    for (let i = 0; i < iterations; i += 1) {
      const variables = SAMPLE_VARIABLES[i % SAMPLE_VARIABLES.length]!;
      const start = process.hrtime.bigint();
      renderEmail(template, variables, '');
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
    return { template: template.template, p50Ms: at(0.5), p95Ms: at(0.95) };
  });
}
