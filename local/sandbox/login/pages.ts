import type { IdTokenClaims, LoginResponse } from './types';

/**
 * HTML of the sandbox's own pages (`/continue`'s result page, and the login pages' layout): plain
 * forms that work without JavaScript. Every interpolated value is escaped by `html`; only
 * `SafeHtml` passes through. A page's one script (e.g. a form_post response submitting itself)
 * carries the response's CSP nonce; without JavaScript the user presses the button instead.
 */

export class SafeHtml {
  constructor(readonly text: string) {}
}

type Part = string | number | SafeHtml | readonly Part[] | undefined;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function renderPart(part: Part): string {
  if (part === undefined) return '';
  if (part instanceof SafeHtml) return part.text;
  if (typeof part === 'string') return escapeHtml(part);
  if (typeof part === 'number') return String(part);
  return part.map(renderPart).join('');
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  return new SafeHtml(
    strings.reduce((out, text, index) => out + text + (index < values.length ? renderPart(values[index]) : ''), ''),
  );
}

/**
 * Where a page's forms may lead: its own origin and the listed ones, or `anywhere` for the forms
 * that sign in. Browsers (Chromium, not Firefox) apply form-action to the redirects after a form
 * post too, and after a sign-in the post-login Actions may redirect anywhere (their pages' URLs are
 * only known once they run); Auth0's Universal Login sets no form-action either.
 */
export type FormTargets = readonly string[] | 'anywhere';

/**
 * The Content-Security-Policy that goes with a page rendered with `nonce`: nothing but the nonce'd
 * style and script, no framing, no base URL, and form-action as `formTargets` says (the sandbox's
 * origin plus, e.g., the application's callback where a form ends there after redirects).
 */
export function contentSecurityPolicy(nonce: string, continueOrigin: string, formTargets: FormTargets = []): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    ...(formTargets === 'anywhere' ? [] : [`form-action 'self' ${[continueOrigin, ...formTargets].join(' ')}`]),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.5rem; }
  form { margin: 1rem 0; }
  label { display: block; margin: .5rem 0 .2rem; }
  input[type=email], input[type=password], input[type=text] { width: 100%; padding: .4rem; box-sizing: border-box; }
  button { margin: .8rem .5rem 0 0; padding: .5rem 1rem; }
  .error { color: #b00020; }
  .note { color: #555; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; border-bottom: 1px solid #ddd; padding: .3rem; vertical-align: top; word-break: break-all; }
`;

export function htmlDocument(title: string, nonce: string, body: SafeHtml, script?: string): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style nonce="${nonce}">
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <p class="note">Auth0 sandbox</p>
        ${body}
        ${
          script === undefined
            ? undefined
            : html`<script nonce="${nonce}">
                ${new SafeHtml(script)};
              </script>`
        }
      </body>
    </html> `.text;
}

export function resultPage(response: Extract<LoginResponse, { outcome: 'allowed' | 'denied' }>): SafeHtml {
  const actions =
    response.executed.map((e) => `${e.action}${e.handler === 'onContinuePostLogin' ? ' (continue)' : ''}`).join(', ') ||
    'none';
  if (response.outcome === 'denied') {
    return html`<h1>Login denied</h1>
      <p>
        <strong id="error">${response.error}</strong>: <span id="error-description">${response.error_description}</span>
      </p>
      <p class="note">Actions run: ${actions}</p>`;
  }
  return html`<h1>Login allowed</h1>
    <p>
      Signed in as <strong id="user-id">${response.user_id}</strong>. The application would now receive these ID token
      claims:
    </p>
    ${claimsTable(response.claims)}
    <p class="note">Actions run: ${actions}</p>`;
}

function claimsTable(claims: IdTokenClaims): SafeHtml {
  return html`<table id="claims">
    <tr>
      <th>claim</th>
      <th>value</th>
    </tr>
    ${Object.entries(claims).map(
      ([name, value]) =>
        html`<tr>
          <td>${name}</td>
          <td>${typeof value === 'string' ? value : JSON.stringify(value)}</td>
        </tr>`,
    )}
  </table>`;
}

export function errorPage(title: string, message: string): SafeHtml {
  return html`<h1>${title}</h1>
    <p>${message}</p>`;
}
