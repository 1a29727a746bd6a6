import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { measureEmailRender, templateErrors } from '../../local/sandbox';
import { emailVariables, renderEmail, renderLiquid, SAMPLE_VARIABLES, TemplateError } from '../../local/sandbox/email';
import type { User } from '../../local/sandbox';

const user: User = {
  user_id: 'auth0|abc',
  email: 'jane@example.com',
  email_verified: false,
  name: 'Jane Doe',
  given_name: 'Jane',
  identities: [{ connection: 'customers', user_id: 'abc', provider: 'auth0', isSocial: false }],
  app_metadata: { plan: 'gold' },
  user_metadata: { preferred_language: 'fr' },
  created_at: '',
  updated_at: '',
  logins_count: 0,
};

const variables = emailVariables({
  tenantName: 'shop-prod',
  settings: { friendly_name: 'Shop', support_email: 'help@shop.example', support_url: 'https://shop.example/help' },
  user,
  client: {
    client_id: 'cid',
    name: 'Web',
    callbacks: ['https://app.shop.example/cb?x=1', 'https://other.example/cb'],
    client_metadata: { tier: 'a' },
  },
  connection: 'customers',
  url: 'https://sandbox/u/email-verification?ticket=t#',
  locale: 'fr-CA',
});

describe('Auth0 email variables', () => {
  test('carry the documented names and values', () => {
    expect(variables).toEqual({
      application: {
        name: 'Web',
        clientID: 'cid',
        callback_domain: 'https://app.shop.example',
        client_metadata: { tier: 'a' },
      },
      connection: { name: 'customers' },
      tenant: 'shop-prod',
      friendly_name: 'Shop',
      support_email: 'help@shop.example',
      support_url: 'https://shop.example/help',
      request_language: 'fr-CA',
      user: {
        email: 'jane@example.com',
        email_verified: false,
        name: 'Jane Doe',
        given_name: 'Jane',
        app_metadata: { plan: 'gold' },
        user_metadata: { preferred_language: 'fr' },
      },
      url: 'https://sandbox/u/email-verification?ticket=t#',
    });
  });

  test('from, subject and body are Liquid; resultUrl sees only application', () => {
    const rendered = renderEmail(
      {
        from: '{{ friendly_name }} <a@b.c>',
        subject: '{{ user.user_metadata.preferred_language | upcase }} {{ application.name }}',
        body: '{{ user.app_metadata.plan }} {{ url }} {{ missing.key }}|',
        resultUrl: '{{ application.callback_domain }}/done?u={{ user.email }}',
      },
      variables,
      'default@x',
    );
    expect(rendered).toEqual({
      from: 'Shop <a@b.c>',
      subject: 'FR Web',
      html: 'gold https://sandbox/u/email-verification?ticket=t# |',
      resultUrl: 'https://app.shop.example/done?u=',
    });
    expect(renderEmail({ subject: 's', body: 'b' }, variables, 'default@x').from).toBe('default@x');
  });

  test('an unknown filter, an unclosed tag, a file include and prototype access fail or yield nothing', () => {
    expect(() => renderLiquid('body', 'x\n{{ url | nope }}', variables)).toThrow(
      new TemplateError('body', 'undefined filter: nope, line:2, col:1', 2, 1),
    );
    expect(() => renderLiquid('subject', '{% if x %}', variables)).toThrow(TemplateError);
    expect(() => renderLiquid('body', "{% include 'package.json' %}", variables)).toThrow(/ENOENT/);
    expect(renderLiquid('body', '{{ user.constructor.name }}{{ user.__proto__ }}', variables)).toBe('');
    expect(() => renderLiquid('body', '{% for i in (1..100000000) %}{{ i }}{% endfor %}', variables)).toThrow(
      TemplateError,
    );
  });
});

describe('samples and measurement', () => {
  const tenantBody = (name: string): string =>
    readFileSync(join(__dirname, `../../tenant/emailTemplates/${name}.html`), 'utf8');

  test('the samples cover English, French and an empty profile', () => {
    expect(SAMPLE_VARIABLES.map((v) => v.user.user_metadata.preferred_language ?? null)).toEqual(['en', 'fr-CA', null]);
    expect(templateErrors({ subject: '{{ a | nope }}', body: tenantBody('reset_email') }).map((e) => e.field)).toEqual([
      'subject',
    ]);
  });

  test('measureEmailRender reports p50/p95 per template', () => {
    const [result] = measureEmailRender(
      [{ template: 'reset_email', subject: 'Reset', body: tenantBody('reset_email') }],
      50,
    );
    expect(result).toMatchObject({ template: 'reset_email' });
    expect(result!.p50Ms).toBeGreaterThan(0);
    expect(result!.p95Ms).toBeGreaterThanOrEqual(result!.p50Ms);
  });
});
