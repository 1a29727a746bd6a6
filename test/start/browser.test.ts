import { describe, expect, it } from 'vitest';
import { formOf, type Page } from '../../tooling/start/browser';

// The journeys' browser reads a page's forms as a browser submits them: the form posting to the
// action (resolved against the page), its hidden fields unescaped, and the button pressed.

const page = (html: string): Page => ({ status: 200, url: 'http://127.0.0.1:8444/link?session_token=t&state=s', html });

const LINKING = page(`
  <form class="candidate" method="post" action="/link">
    <input type="hidden" name="_csrf" value="a&amp;b&quot;c" />
    <input type="hidden" name="candidate" value="auth0|1" />
    <input type="email" name="ignored" value="typed" />
    <button type="submit" name="answer" value="prove">Sign in and link</button>
  </form>
  <form method="post" action="/link">
    <input type="hidden" name="_csrf" value="a&amp;b&quot;c" />
    <button type="submit" name="answer" value="decline">Don't link</button>
  </form>
  <form id="continue" method="post" action="https://127.0.0.1:8443/continue">
    <input type="hidden" name="state" value="s" /><input type="hidden" name="session_token" value="answer" />
  </form>`);

describe('formOf', () => {
  it('the form with the button pressed: its hidden fields, unescaped, and the button', () => {
    expect(formOf(LINKING, { action: '/link', button: { name: 'answer', value: 'prove' } })).toEqual({
      url: 'http://127.0.0.1:8444/link',
      fields: { _csrf: 'a&b"c', candidate: 'auth0|1', answer: 'prove' },
    });
    expect(formOf(LINKING, { action: '/link', button: { name: 'answer', value: 'decline' } }).fields).toEqual({
      _csrf: 'a&b"c',
      answer: 'decline',
    });
  });

  it('an absolute action on another origin (the answer page to /continue)', () => {
    expect(formOf(LINKING, { action: 'https://127.0.0.1:8443/continue' })).toEqual({
      url: 'https://127.0.0.1:8443/continue',
      fields: { state: 's', session_token: 'answer' },
    });
  });

  it('no such form or button: an error naming what was looked for and the page status', () => {
    expect(() => formOf({ ...LINKING, status: 503 }, { action: '/terms' })).toThrow(
      'no form posting to /terms on /link (HTTP 503)',
    );
    expect(() => formOf(LINKING, { action: '/link', button: { name: 'answer', value: 'accept' } })).toThrow(
      'no form posting to /link with answer=accept',
    );
  });
});
