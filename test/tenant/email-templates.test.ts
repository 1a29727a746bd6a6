import { afterEach, describe, expect, it } from 'vitest';
import { pos, removeCopies, replaceOnce, tenantCopy } from './helpers';

afterEach(removeCopies);

const TENANT = 'tenant/tenant.yaml';
const RESET = 'tenant/emailTemplates/reset_email.html';
const FIX =
  'fix the Liquid (Auth0 renders it with liquidjs: only its standard tags and filters, see https://auth0.com/docs/customize/email/email-templates/supported-liquid-syntax)';

describe('email templates render under liquidjs', () => {
  it('the real templates render (from, subject, resultUrl, body) with every sample user', async () => {
    expect(await tenantCopy().check()).toEqual([]);
  });

  it('an unknown filter in a body file is reported at its line and column in that file', async () => {
    const copy = tenantCopy();
    copy.edit(RESET, (t) => replaceOnce(t, '{{ url }}" style', '{{ url | url_encode_twice }}" style'));
    // The first such link is the French one; liquidjs points at its output tag.
    const [line, col] = pos(RESET, 'Choisir un nouveau mot de passe', '{{ url }}').split(':');
    expect(await copy.check()).toEqual([
      `${RESET}:${line}:${col}: reset_email does not render: undefined filter: url_encode_twice, line:${line}, col:${col} — ${FIX}`,
    ]);
  });

  it('an unclosed tag in a body is a problem too', async () => {
    const copy = tenantCopy();
    copy.edit(RESET, (t) => replaceOnce(t, '{%- endif %}', ''));
    const issues = await copy.check();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      new RegExp(`^${RESET}:\\d+:\\d+: reset_email does not render: tag \\{%- if lang == 'fr' %\\} not closed`),
    );
  });

  it('a subject that does not render is reported on its tenant.yaml field', async () => {
    const copy = tenantCopy();
    copy.edit(TENANT, (t) =>
      replaceOnce(t, 'Bienvenue chez {{ friendly_name }}', 'Bienvenue chez {{ friendly_name | capitalise }}'),
    );
    const subject =
      "{% assign lang = user.user_metadata.preferred_language | default: 'en' | downcase | slice: 0, 2 %}{% if lang == 'fr' %}";
    expect(await copy.check()).toEqual([
      `${TENANT}:${pos(TENANT, 'Bienvenue chez {{ friendly_name }}', '"')}: emailTemplates[2].subject: welcome_email does not render: undefined filter: capitalise, line:1, col:${subject.length + 'Bienvenue chez '.length + 1} — ${FIX}`,
    ]);
  });

  it('a file include (which would read the disk) does not render', async () => {
    const copy = tenantCopy();
    copy.edit(RESET, (t) => replaceOnce(t, '</body>', "{% include '../../tenant/tenant.yaml' %}</body>"));
    const issues = await copy.check();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain('reset_email does not render: ENOENT');
  });
});
