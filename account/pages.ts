import type { FastifyReply } from 'fastify';
import { MESSAGES, type Locale, type Messages } from './i18n';
import { html, SafeHtml } from './security/html';

/** The page layout and the error page, shared by every page of the service. */

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; line-height: 1.5; }
  h1 { font-size: 1.6rem; }
  h2 { font-size: 1.2rem; }
  h3 { font-size: 1rem; }
  .terms { border: 1px solid #ddd; padding: 0 1rem; max-height: 50vh; overflow-y: auto; }
  button { margin: 1rem .5rem 0 0; padding: .6rem 1.2rem; font-size: 1rem; }
  .note { color: #555; font-size: .9rem; }
  .error { color: #b00020; }
`;

export interface Page {
  status: number;
  title: string;
  body: SafeHtml;
  /** Runs with the response's script nonce; the page must work without it. */
  script?: string;
}

export function sendPage(reply: FastifyReply, locale: Locale, page: Page): FastifyReply {
  const nonce = reply.cspNonce;
  const script = page.script === undefined ? undefined : new SafeHtml(page.script);
  // prettier-ignore
  const document = html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<style nonce="${nonce.style}">${new SafeHtml(STYLE)}</style>
</head>
<body>
${page.body}
${script === undefined ? undefined : html`<script nonce="${nonce.script}">${script}</script>`}
</body>
</html>
`;
  return reply.code(page.status).type('text/html; charset=utf-8').send(document.text);
}

type ErrorKind =
  | 'invalidLink'
  | 'expired'
  | 'mismatch'
  | 'forbidden'
  | 'tooMany'
  | 'unavailable'
  | 'error'
  | 'notFound'
  | 'notOffered';

const ERROR_STATUS: Record<ErrorKind, number> = {
  invalidLink: 400,
  expired: 400,
  mismatch: 400,
  forbidden: 403,
  tooMany: 429,
  unavailable: 503,
  error: 500,
  notFound: 404,
  notOffered: 400,
};

/** A page that says what went wrong in the user's words: never a token, an id or an internal. */
export function errorPage(locale: Locale, kind: ErrorKind): Page {
  const messages: Messages = MESSAGES[locale];
  const title = messages[`${kind}Title`];
  return {
    status: ERROR_STATUS[kind],
    title,
    body: html`<h1 id="error" data-error="${kind}">${title}</h1>
      <p>${messages[kind]}</p>`,
  };
}

/**
 * Posts a page's signed answer to the tenant's /continue: at once with JavaScript (like a
 * form_post response), on a click without. Its response needs the CSP without form-action
 * (security/web.ts).
 */
export function continuePage(input: {
  messages: Messages;
  title: string;
  continueUrl: string;
  state: string;
  answer: string;
}): Page {
  const { messages } = input;
  return {
    status: 200,
    title: input.title,
    body: html`<h1>${input.title}</h1>
      <p class="note">${messages.continueNote}</p>
      <form id="continue" method="post" action="${input.continueUrl}">
        <input type="hidden" name="state" value="${input.state}" />
        <input type="hidden" name="session_token" value="${input.answer}" />
        <button type="submit">${messages.continue}</button>
      </form>`,
    script: "document.getElementById('continue').submit();",
  };
}
