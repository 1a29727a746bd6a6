import { describe, expect, it } from 'vitest';
import { displayText, httpsUrl, languageTag } from '../../actions/override-profile/decide';
import { validateEdit } from '../../account/profile/metadata';

// The profile page's allow-list for user_metadata, and its agreement with override-profile (the
// Action that turns these fields into claims): whatever the page stores, the Action uses.

const LOCALES = ['en', 'fr'];

describe('validateEdit', () => {
  it('accepts the allow-listed fields, trimmed and normalised; an empty one removes the field', () => {
    expect(
      validateEdit(
        {
          given_name: '  Ada ',
          family_name: 'Lovelace',
          name: 'Ada Lovelace',
          nickname: '',
          picture: 'https://cdn.example.com/a b.png',
          preferred_language: 'fr',
        },
        LOCALES,
      ),
    ).toEqual({
      ok: true,
      patch: {
        given_name: 'Ada',
        family_name: 'Lovelace',
        name: 'Ada Lovelace',
        nickname: null,
        picture: 'https://cdn.example.com/a%20b.png',
        preferred_language: 'fr',
      },
    });
  });

  it.each([
    ['a field outside the allow-list', { blocked_apps: '[]' }, { blocked_apps: 'not_allowed' }],
    ['app_metadata itself', { app_metadata: 'x' }, { app_metadata: 'not_allowed' }],
    ['a non-string value', { given_name: ['Ada'] }, { given_name: 'not_text' }],
    ['a name over its cap', { given_name: 'a'.repeat(151) }, { given_name: 'too_long' }],
    ['a nickname over its cap', { nickname: 'a'.repeat(301) }, { nickname: 'too_long' }],
    ['a bidi override', { name: 'Ada\u202eecalevoL' }, { name: 'undisplayable' }],
    ['a zero-width character', { nickname: 'ad\u200ba' }, { nickname: 'undisplayable' }],
    ['an http picture', { picture: 'http://cdn.example.com/a.png' }, { picture: 'not_https_url' }],
    ['a javascript: picture', { picture: 'javascript:alert(1)' }, { picture: 'not_https_url' }],
    ['a picture with credentials', { picture: 'https://u:p@cdn.example.com/a.png' }, { picture: 'not_https_url' }],
    ['a picture over the cap', { picture: `https://cdn.example.com/${'a'.repeat(2040)}` }, { picture: 'too_long' }],
    ['a language the tenant does not enable', { preferred_language: 'de' }, { preferred_language: 'not_enabled' }],
  ])('refuses %s, and stores nothing', (_name, input, problems) => {
    expect(validateEdit({ given_name: 'Ada', ...input }, LOCALES)).toEqual({ ok: false, problems });
  });

  it('a value that reads like a problem code is a value', () => {
    expect(validateEdit({ nickname: 'too_long' }, LOCALES)).toEqual({ ok: true, patch: { nickname: 'too_long' } });
  });

  it('agrees with override-profile: every accepted value is one the Action uses as is', () => {
    const result = validateEdit(
      {
        given_name: 'Zoë',
        family_name: "O'Brien",
        name: 'Zoë O’Brien',
        nickname: 'zo',
        picture: 'https://cdn.example.com/p?q=1',
        preferred_language: 'en',
      },
      LOCALES,
    );
    if (!result.ok) throw new Error('refused');
    const { picture, preferred_language: language, ...names } = result.patch;
    for (const value of Object.values(names)) expect(displayText(value, 300)).toBe(value);
    expect(httpsUrl(picture)).toBe(picture);
    expect(languageTag(language)).toBe(language);
  });
});
