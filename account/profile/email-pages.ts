import type { ProfileUser } from '../management/users';
import type { Page } from '../pages';
import { html } from '../security/html';
import type { EmailChangeMessages, EmailConfirmProblem, EmailRequestProblem } from './email-messages';

/** The email change's pages: the request form and its answer, the confirm page and its outcome. */

export const EMAIL_PATH = '/profile/email';
export const EMAIL_CONFIRM_PATH = '/profile/email/confirm';

/** The identity the user's email belongs to, when it is a database one (the only kind changed here). */
export function primaryDatabaseConnection(user: ProfileUser): string | undefined {
  const primary = user.identities.find((identity) => identity.primary);
  return primary?.provider === 'auth0' ? primary.connection : undefined;
}

const REQUEST_STATUS: Record<EmailRequestProblem, number> = {
  missing: 400,
  too_long: 400,
  invalid: 400,
  same: 400,
  social: 400,
  stale: 401,
};

const CONFIRM_STATUS: Record<EmailConfirmProblem, number> = {
  invalid: 400,
  expired: 400,
  outdated: 409,
  otherUser: 403,
  unusable: 400,
  signIn: 401,
};

export interface EmailFormInput {
  messages: EmailChangeMessages;
  currentEmail: string;
  csrfToken: string;
  /** What the field shows (the rejected entry, for a correction). */
  value?: string;
  problem?: EmailRequestProblem;
  /** The request was taken: the same answer whether or not the address is in use. */
  sent?: boolean;
  /** The user's email is a social provider's: the page explains, and has no form. */
  social: boolean;
}

export function emailFormPage(input: EmailFormInput): Page {
  const { messages, problem } = input;
  const form = input.social
    ? undefined
    : html`<form method="post" action="${EMAIL_PATH}">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        <p>
          <label for="new-email">${messages.newAddress}</label><br />
          <input
            id="new-email"
            type="email"
            name="email"
            autocomplete="email"
            maxlength="254"
            required
            value="${input.value ?? ''}"
          />
        </p>
        <button type="submit">${messages.send}</button>
      </form>`;
  return {
    status: problem === undefined ? 200 : REQUEST_STATUS[problem],
    title: messages.title,
    body: html`<h1>${messages.title}</h1>
      <p>${messages.current} <span id="current-email">${input.currentEmail}</span></p>
      ${input.sent ? html`<p id="email-sent" role="status">${messages.sent}</p>` : undefined}
      ${
        input.social && problem === undefined
          ? html`<p id="email-social" data-problem="social">${messages.problems.social}</p>`
          : undefined
      }
      ${
        problem === undefined
          ? undefined
          : html`<p class="error" id="email-error" data-problem="${problem}" role="alert">
              ${messages.problems[problem]}
              ${problem === 'stale' ? html`<a id="reauth" href="/profile/reauth">${messages.reauth}</a>` : undefined}
            </p>`
      }
      ${form}
      <p><a href="/profile">${messages.backToProfile}</a></p>`,
  };
}

/** A GET never changes anything (mail scanners open links): the change needs this page's POST. */
export function emailConfirmPage(input: {
  messages: EmailChangeMessages;
  newEmail: string;
  token: string;
  csrfToken: string;
}): Page {
  const { messages } = input;
  return {
    status: 200,
    title: messages.confirmTitle,
    body: html`<h1>${messages.confirmTitle}</h1>
      <p id="confirm-question">${messages.confirmQuestion(input.newEmail)}</p>
      <form method="post" action="${EMAIL_CONFIRM_PATH}">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        <input type="hidden" name="token" value="${input.token}" />
        <button type="submit">${messages.confirm}</button>
      </form>`,
  };
}

export function emailConfirmProblemPage(messages: EmailChangeMessages, problem: EmailConfirmProblem): Page {
  return {
    status: CONFIRM_STATUS[problem],
    title: messages.confirmTitle,
    body: html`<h1>${messages.confirmTitle}</h1>
      <p class="error" id="confirm-error" data-problem="${problem}" role="alert">
        ${messages.confirmProblems[problem]}
      </p>
      <p><a id="to-profile" href="/profile">${problem === 'signIn' ? messages.signIn : messages.backToProfile}</a></p>`,
  };
}

/** `notified`: the notice to the previous address went out (else the page does not claim it). */
export function emailChangedPage(messages: EmailChangeMessages, newEmail: string, notified: boolean): Page {
  return {
    status: 200,
    title: messages.confirmTitle,
    body: html`<h1>${messages.confirmTitle}</h1>
      <p id="email-changed" role="status">${messages.changed(newEmail, notified)}</p>
      <p><a id="to-profile" href="/profile">${messages.backToProfile}</a></p>`,
  };
}
