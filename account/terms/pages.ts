import type { Messages } from '../i18n';
import { continuePage, type Page } from '../pages';
import { html, type SafeHtml } from '../security/html';

/** The consent page and the page that carries the signed answer to the tenant's /continue. */

export interface TermsPageInput {
  messages: Messages;
  version: string;
  content: SafeHtml;
  sessionToken: string;
  state: string;
  csrfToken: string;
  uiLocales: string | undefined;
}

export function termsPage(input: TermsPageInput): Page {
  const { messages } = input;
  return {
    status: 200,
    title: messages.termsTitle,
    body: html`<h1>${messages.termsTitle}</h1>
      <p>${messages.termsIntro(input.version)}</p>
      <div class="terms" id="terms" data-version="${input.version}">${input.content}</div>
      <form method="post" action="/terms">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        <input type="hidden" name="session_token" value="${input.sessionToken}" />
        <input type="hidden" name="state" value="${input.state}" />
        ${input.uiLocales === undefined ? undefined : html`<input type="hidden" name="ui_locales" value="${input.uiLocales}" />`}
        <button type="submit" name="answer" value="accept">${messages.accept}</button>
        <button type="submit" name="answer" value="decline">${messages.decline}</button>
      </form>`,
  };
}

/** The signed answer's page, titled with the user's answer. */
export function termsContinuePage(input: {
  messages: Messages;
  accepted: boolean;
  continueUrl: string;
  state: string;
  answer: string;
}): Page {
  const { messages } = input;
  return continuePage({ ...input, title: input.accepted ? messages.accepted : messages.declined });
}
