import type { Locale, Messages } from '../i18n';
import type { Page } from '../pages';
import { html } from '../security/html';
import type { ProfileUser } from '../management/users';
import { primaryDatabaseConnection } from './email-pages';
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
  /** After a password change: its outcome (the page's status follows it). */
  password?: PasswordOutcome;
}

export type PasswordOutcome = 'changed' | 'weak' | 'mismatch' | 'stale' | 'none';

const PASSWORD_STATUS: Record<PasswordOutcome, number> = {
  changed: 200,
  weak: 400,
  mismatch: 400,
  none: 400,
  stale: 401,
};

/** The connection of the user's database identity, if they have one (only those have a password). */
export function passwordConnection(user: ProfileUser): string | undefined {
  return user.identities.find((identity) => identity.provider === 'auth0')?.connection;
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
    status:
      input.password !== undefined
        ? PASSWORD_STATUS[input.password]
        : rejected || input.unlink === 'refused'
          ? 400
          : 200,
    title: messages.profileTitle,
    body: html`<h1>${messages.profileTitle}</h1>
      ${input.saved ? html`<p id="saved" role="status">${messages.profileSaved}</p>` : undefined}
      ${rejected ? html`<p class="error" id="error" role="alert">${messages.profileInvalid}</p>` : undefined}
      <p id="email">${user.email ?? ''}</p>
      ${primaryDatabaseConnection(user) ? html`<p><a id="change-email" href="/profile/email">${messages.changeEmail}</a></p>` : undefined}
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
      <h2>${messages.password.title}</h2>
      ${passwordSection(input)}
      <p><a id="export" href="/profile/export">${messages.downloadData}</a></p>
      <p><a id="delete-account" href="/profile/delete">${messages.deleteAccount}</a></p>`,
  };
}

function passwordSection(input: ProfilePageInput) {
  const { messages } = input;
  if (!passwordConnection(input.user)) return html`<p id="password-none">${messages.password.socialOnly}</p>`;
  const outcome = input.password;
  return html`${outcome === 'changed' ? html`<p id="password-changed" role="status">${messages.password.changed}</p>` : undefined}
    ${
      outcome === 'weak' || outcome === 'mismatch'
        ? html`<p class="error" id="password-error" data-problem="${outcome}" role="alert">
            ${messages.password[outcome]}
          </p>`
        : undefined
    }
    ${
      outcome === 'stale'
        ? html`<p class="error" id="password-error" data-problem="stale" role="alert">
            ${messages.password.stale} <a id="reauth" href="/profile/reauth">${messages.password.reauth}</a>
          </p>`
        : undefined
    }
    <form method="post" action="/profile/password">
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      <p>
        <label for="password">${messages.password.new}</label><br />
        <input id="password" type="password" name="password" autocomplete="new-password" required />
      </p>
      <p>
        <label for="confirm">${messages.password.confirm}</label><br />
        <input id="confirm" type="password" name="confirm" autocomplete="new-password" required />
      </p>
      <button type="submit">${messages.password.change}</button>
    </form>`;
}

/** After the sign-in: on to `path` (a fixed path of ours) at once with JavaScript, on a click without. */
export function signedInPage(messages: Messages, path = '/profile'): Page {
  return {
    status: 200,
    title: messages.profileTitle,
    body: html`<h1>${messages.profileTitle}</h1>
      <p><a id="continue" href="${path}">${messages.continue}</a></p>`,
    script: `location.replace(${JSON.stringify(path)});`,
  };
}
