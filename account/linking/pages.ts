import type { Messages } from '../i18n';
import type { Page } from '../pages';
import { html } from '../security/html';
import type { Candidate } from './session-token';

/**
 * The linking page: the offered accounts by kind only (the Action's token has no email, name or
 * picture, and the page shows none), one "Sign in and link" form per account, and "Don't link".
 */

export interface LinkPageInput {
  messages: Messages;
  candidates: Candidate[];
  sessionToken: string;
  state: string;
  csrfToken: string;
  uiLocales: string | undefined;
}

export function linkPage(input: LinkPageInput): Page {
  const { messages } = input;
  const binding = html`<input type="hidden" name="_csrf" value="${input.csrfToken}" />
    <input type="hidden" name="session_token" value="${input.sessionToken}" />
    <input type="hidden" name="state" value="${input.state}" />
    ${input.uiLocales === undefined ? undefined : html`<input type="hidden" name="ui_locales" value="${input.uiLocales}" />`}`;
  return {
    status: 200,
    title: messages.linkTitle,
    body: html`<h1>${messages.linkTitle}</h1>
      <p>${messages.linkIntro}</p>
      ${input.candidates.map(
        (candidate) =>
          html`<form class="candidate" method="post" action="/link">
            ${binding}
            <input type="hidden" name="candidate" value="${candidate.user_id}" />
            <p><strong>${messages.accountLabel(candidate.provider, candidate.connection)}</strong></p>
            <button type="submit" name="answer" value="prove">${messages.linkSignIn}</button>
          </form>`,
      )}
      <form method="post" action="/link">
        ${binding}
        <button type="submit" name="answer" value="decline">${messages.linkDecline}</button>
      </form>`,
  };
}

/** After a failed proof: what happened, nothing signed, and the way back to the linking page. */
export function proofFailedPage(input: { messages: Messages; status: number; message: string; back: string }): Page {
  const { messages } = input;
  return {
    status: input.status,
    title: messages.linkTitle,
    body: html`<h1>${messages.linkTitle}</h1>
      <p class="error" id="error" role="alert">${input.message}</p>
      <p><a id="back" href="${input.back}">${messages.linkBack}</a></p>`,
  };
}
