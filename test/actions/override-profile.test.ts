import { describe, expect, it } from 'vitest';
import { decide, displayText, httpsUrl, languageTag, type Overrides } from '../../actions/override-profile/decide';
import type { Event, JsonValue } from '../../actions/platform/post-login';
import type { Flow } from '../../local/runtime';
import { event, loadBundle, recordingApi, runOne, unexpectedErrors } from '../../tooling/harness';

function profileEvent(userMetadata: Record<string, JsonValue>, flow: Flow = 'interactive'): Event {
  return event({ user: 'google', flow }, { user: { user_metadata: userMetadata } });
}

describe('override-profile validators', () => {
  it.each([
    ['Ada', 'Ada'],
    ['  Ada Lovelace  ', 'Ada Lovelace'],
    ['Zoë Ñúñez 李', 'Zoë Ñúñez 李'],
    ['', undefined],
    ['   ', undefined],
    ['a'.repeat(150), 'a'.repeat(150)],
    ['a'.repeat(151), undefined],
    ['line\nbreak', undefined],
    ['nul\u0000', undefined],
    ['Ada \u{1F600}', 'Ada \u{1F600}'],
    ['Ad\u200Ba', undefined],
    ['\u200EAda', undefined],
    ['Ada\u200F', undefined],
    ['Ada\u061C', undefined],
    ['Ada\u2028Lovelace', undefined],
    ['Ada\u2029Lovelace', undefined],
    ['Ada\uFEFFLovelace', undefined],
    ['\uFEFFAda', 'Ada'], // trimmed away like any white space: the claim does not carry it
    ['Ada\u00ADLovelace', undefined],
    ['Ada\u2060', undefined],
    ['Ada\u{E0041}', undefined],
    ['Ada\uD800', undefined],
    ['\uDC00Ada', undefined],
    ['Ada\uDC00\uD800', undefined],
    [42, undefined],
    [null, undefined],
    [['Ada'], undefined],
    [{ first: 'Ada' }, undefined],
  ] as [unknown, string | undefined][])('displayText(%j, 150) = %j', (value, expected) => {
    expect(displayText(value, 150)).toBe(expected);
  });

  it.each([
    ['https://cdn.example.com/me.png', 'https://cdn.example.com/me.png'],
    ['https://CDN.example.com/a b.png', 'https://cdn.example.com/a%20b.png'],
    ['http://cdn.example.com/me.png', undefined],
    ['javascript:alert(1)', undefined],
    ['data:image/png;base64,AAAA', undefined],
    ['//cdn.example.com/me.png', undefined],
    ['https://user:pass@cdn.example.com/me.png', undefined],
    ['not a url', undefined],
    [`https://cdn.example.com/${'a'.repeat(2100)}`, undefined],
    [7, undefined],
  ] as [unknown, string | undefined][])('httpsUrl(%j) = %j', (value, expected) => {
    expect(httpsUrl(value)).toBe(expected);
  });

  it('limits the claim, not the input: percent-encoding expands a URL up to ninefold', () => {
    const longest = `https://cdn.example.com/${'a'.repeat(2048 - 24)}`;
    expect(httpsUrl(longest)).toBe(longest);
    // 2,020 characters in, 17,988 out once each euro sign becomes %E2%82%AC.
    expect(httpsUrl(`https://cdn.example.com/${'\u20AC'.repeat(1996)}`)).toBeUndefined();
    expect(httpsUrl(`https://cdn.example.com/${'a b'.repeat(600)}`)).toBeUndefined();
  });

  it.each([
    ['fr', 'fr'],
    ['en-us', 'en-US'],
    ['zh-Hant-TW', 'zh-Hant-TW'],
    ['sr-Latn', 'sr-Latn'],
    ['de-CH-1996', 'de-CH-1996'],
    ['', undefined],
    ['english', undefined],
    ['en_US', undefined],
    ['en-', undefined],
    ['123', undefined],
    ['zxx', undefined],
    ['mul', undefined],
    ['und', undefined],
    ['mis', undefined],
    ['zxx-US', undefined],
    ['MUL', undefined],
    ['qaa', undefined],
    ['en-US-' + 'x'.repeat(40), undefined],
    [['fr'], undefined],
    [null, undefined],
  ] as [unknown, string | undefined][])('languageTag(%j) = %j', (value, expected) => {
    expect(languageTag(value)).toBe(expected);
  });
});

describe('override-profile decide', () => {
  const cases: [string, Record<string, JsonValue>, Overrides][] = [
    ['nothing to override', {}, { claims: {}, invalid: [] }],
    ['unrelated keys are ignored silently', { theme: 'dark', newsletter: true }, { claims: {}, invalid: [] }],
    [
      'every field valid',
      {
        name: 'Ada L.',
        given_name: 'Ada',
        family_name: 'Lovelace',
        nickname: 'ada',
        picture: 'https://cdn.example.com/ada.png',
        preferred_language: 'en-gb',
      },
      {
        claims: {
          name: 'Ada L.',
          given_name: 'Ada',
          family_name: 'Lovelace',
          nickname: 'ada',
          picture: 'https://cdn.example.com/ada.png',
          locale: 'en-GB',
        },
        invalid: [],
      },
    ],
    [
      'invalid values are ignored and named',
      {
        name: '',
        given_name: 12,
        family_name: ['x'],
        nickname: 'ok',
        picture: 'http://insecure.example.com/x.png',
        preferred_language: 'klingon-language',
      },
      { claims: { nickname: 'ok' }, invalid: ['name', 'given_name', 'family_name', 'picture', 'preferred_language'] },
    ],
    ['null values are invalid', { name: null }, { claims: {}, invalid: ['name'] }],
    ['a `locale` key is not the language preference', { locale: 'fr' }, { claims: {}, invalid: [] }],
  ];
  it.each(cases)('%s', (_name, metadata, expected) => {
    expect(decide(profileEvent(metadata))).toEqual(expected);
  });

  it('survives user_metadata that is not an object', () => {
    for (const metadata of [null, 'x', 3, ['name']]) {
      const ev = profileEvent({});
      (ev.user as unknown as Record<string, unknown>).user_metadata = metadata;
      expect(decide(ev)).toEqual({ claims: {}, invalid: [] });
    }
  });
});

describe('override-profile bundle', () => {
  const action = loadBundle('override-profile');

  it('sets the ID token claims from user_metadata over the provider profile', async () => {
    const ev = profileEvent({
      given_name: 'Augusta',
      family_name: 'King',
      name: 'Augusta Ada King',
      nickname: 'countess',
      picture: 'https://cdn.example.com/ada.png',
      preferred_language: 'fr-fr',
    });
    expect(ev.user.given_name).not.toBe('Augusta');
    const result = await runOne(action, ev);
    expect(result.outcome).toBe('allowed');
    expect(result.idTokenClaims).toEqual({
      given_name: 'Augusta',
      family_name: 'King',
      name: 'Augusta Ada King',
      nickname: 'countess',
      picture: 'https://cdn.example.com/ada.png',
      locale: 'fr-FR',
    });
    expect(result.accessTokenClaims).toEqual({});
    expect(result.logs).toEqual([]);
  });

  it.each(['refresh-token', 'prompt-none', 'password'] as const)(
    'applies on %s too (no redirect needed)',
    async (flow) => {
      const result = await runOne(action, profileEvent({ nickname: 'countess' }, flow));
      expect(result).toMatchObject({ outcome: 'allowed', idTokenClaims: { nickname: 'countess' } });
    },
  );

  it('ignores invalid values, logging field names but never values', async () => {
    const result = await runOne(
      action,
      profileEvent({
        name: 'Ada',
        picture: 'javascript:alert("ada@example.com")',
        given_name: '',
        preferred_language: 42,
      }),
    );
    expect(result.outcome).toBe('allowed');
    expect(result.idTokenClaims).toEqual({ name: 'Ada' });
    expect(result.logs.map((l) => l.message)).toEqual([
      'override-profile: ignored invalid user_metadata: given_name,picture,preferred_language',
    ]);
  });

  it('sets nothing, writes nothing and calls nothing when there is nothing to override', async () => {
    const result = await runOne(action, profileEvent({}));
    expect(result).toMatchObject({
      outcome: 'allowed',
      idTokenClaims: {},
      appMetadataWrites: {},
      userMetadataWrites: {},
    });
    expect(result.calls).toEqual([]);
  });

  it('never throws on garbage metadata', async () => {
    const garbage: Record<string, JsonValue>[] = [
      { name: { $ne: 1 } },
      { picture: ['https://x.example.com'] },
      { preferred_language: 'x'.repeat(10_000) },
      { nickname: '\u202e\u0007' },
      { picture: `https://cdn.example.com/${'\u20AC'.repeat(1996)}` },
      { name: 'Ad\u200Bmin' },
      { given_name: 'Ada\uD800' },
      { preferred_language: 'zxx' },
    ];
    for (const metadata of garbage) {
      const result = await runOne(action, profileEvent(metadata));
      expect(result.outcome).toBe('allowed');
      expect(result.idTokenClaims).toEqual({});
      expect(unexpectedErrors(result)).toEqual([]);
    }
  });

  it('an unexpected error lets the login go on without overrides (it decides no access)', async () => {
    const ev = profileEvent({});
    Object.defineProperty(ev.user, 'user_metadata', {
      get() {
        throw new Error('boom');
      },
    });
    const api = recordingApi();
    await expect(action.onExecutePostLogin(ev, api)).resolves.toBeUndefined();
    expect(api.denials).toEqual([]);
  });
});
