import type { Locale, Messages } from '../i18n';
import type { Page } from '../pages';
import { html } from '../security/html';
import type { ProfileUser } from '../management/users';
import { identityKey } from './identities';
import { EDITABLE_FIELDS, type EditableField, type FieldProblem } from './metadata';

/** The profile page: what is held about the user, and the form for their own user_metadata. */

export interface ProfilePageInput {
  messages: Messages;
  locales: readonly Locale[];
  user: ProfileUser;
  csrfToken: string;
  /** What the form shows: the stored values, or the rejected submission with its problems. */
  values: Partial<Record<EditableField, string>>;
  problems?: Partial<Record<string, FieldProblem>>;
  saved?: boolean;
  /** After an unlink: done, or refused (400). */
  unlink?: 'done' | 'refused';
}

export function profilePage(input: ProfilePageInput): Page {
  const { messages, user } = input;
  const problems = input.problems ?? {};
  const rejected = Object.keys(problems).length > 0;
  const field = (name: EditableField) => {
    const label = messages.profileFields[name];
    const problem = problems[name];
    const control =
      name === 'preferred_language'
        ? html`<select id="${name}" name="${name}">
            <option value=""></option>
            ${input.locales.map(
              (locale) =>
                html`<option value="${locale}" ${input.values[name] === locale ? html` selected` : undefined}>
                  ${locale}
                </option>`,
            )}
          </select>`
        : html`<input
            id="${name}"
            type="${name === 'picture' ? 'url' : 'text'}"
            name="${name}"
            value="${input.values[name] ?? ''}"
          />`;
    return html`<p>
      <label for="${name}">${label}</label><br />
      ${control}
      ${problem === undefined ? undefined : html`<span class="error" data-problem="${problem}">${problem}</span>`}
    </p>`;
  };
  return {
    status: rejected || input.unlink === 'refused' ? 400 : 200,
    title: messages.profileTitle,
    body: html`<h1>${messages.profileTitle}</h1>
      ${input.saved ? html`<p id="saved" role="status">${messages.profileSaved}</p>` : undefined}
      ${rejected ? html`<p class="error" id="error" role="alert">${messages.profileInvalid}</p>` : undefined}
      <p id="email">${user.email ?? ''}</p>
      ${input.unlink === 'done' ? html`<p id="unlinked" role="status">${messages.unlinked}</p>` : undefined}
      ${
        input.unlink === 'refused'
          ? html`<p class="error" id="unlink-refused" role="alert">${messages.unlinkRefused}</p>`
          : undefined
      }
      <h2>${messages.signedInWith}</h2>
      <ul id="identities">
        ${user.identities.map(
          (identity) =>
            html`<li>
              ${identity.connection}
              ${
                identity.primary || user.identities.length < 2
                  ? undefined
                  : html`<form class="unlink" method="post" action="/profile/unlink">
                      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
                      <input type="hidden" name="identity" value="${identityKey(identity)}" />
                      <button type="submit">${messages.unlink}</button>
                    </form>`
              }
            </li>`,
        )}
      </ul>
      <form method="post" action="/profile">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        ${EDITABLE_FIELDS.map(field)}
        <button type="submit">${messages.save}</button>
      </form>
      <p><a id="export" href="/profile/export">${messages.downloadData}</a></p>`,
  };
}
