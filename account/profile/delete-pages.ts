import type { Locale } from '../i18n';
import type { Page } from '../pages';
import { html } from '../security/html';
import { listingDigest, type DeletionTarget } from './deletion';

/** The "Delete my account" page and the page after it, in the service's locales. */

interface DeleteMessages {
  title: string;
  intro: string;
  methods: string;
  leftovers: string;
  /** What the user types to confirm. */
  word: string;
  typeWord: string;
  button: string;
  unconfirmed: string;
  stale: string;
  reauth: string;
  failed: string;
  changed: string;
  deletedTitle: string;
  deleted: string;
  back: string;
}

const MESSAGES: Record<Locale, DeleteMessages> = {
  en: {
    title: 'Delete my account',
    intro:
      'This deletes your account and every sign-in method linked to it, and signs you out everywhere. It cannot be undone.',
    methods: 'Sign-in methods that will be deleted',
    leftovers:
      'Accounts that an unfinished attempt to delete your account separated from it, which will be deleted too',
    word: 'DELETE',
    typeWord: 'To confirm, type this word:',
    button: 'Delete my account permanently',
    unconfirmed: 'Nothing was deleted: type the word exactly as shown to confirm.',
    stale: 'For your security, sign in again before deleting your account.',
    reauth: 'Sign in again',
    failed: 'Your account could not be deleted completely. Please try again in a moment.',
    changed: 'Nothing was deleted: what would be deleted has changed. Check the list below and confirm again.',
    deletedTitle: 'Your account was deleted',
    deleted: 'Your account and every sign-in method linked to it were deleted, and you were signed out everywhere.',
    back: 'Back to your profile',
  },
  fr: {
    title: 'Supprimer mon compte',
    intro:
      'Cela supprime votre compte et tous les moyens de connexion qui lui sont liés, et vous déconnecte partout. C’est définitif.',
    methods: 'Moyens de connexion qui seront supprimés',
    leftovers:
      'Comptes qu’une tentative inachevée de suppression de votre compte en a séparés, qui seront aussi supprimés',
    word: 'SUPPRIMER',
    typeWord: 'Pour confirmer, tapez ce mot :',
    button: 'Supprimer définitivement mon compte',
    unconfirmed: 'Rien n’a été supprimé : tapez le mot exactement comme indiqué pour confirmer.',
    stale: 'Pour votre sécurité, reconnectez-vous avant de supprimer votre compte.',
    reauth: 'Se reconnecter',
    failed: 'Votre compte n’a pas pu être entièrement supprimé. Réessayez dans un instant.',
    changed:
      'Rien n’a été supprimé : ce qui serait supprimé a changé. Vérifiez la liste ci-dessous et confirmez de nouveau.',
    deletedTitle: 'Votre compte a été supprimé',
    deleted:
      'Votre compte et tous les moyens de connexion qui lui étaient liés ont été supprimés, et vous avez été déconnecté partout.',
    back: 'Retour à votre profil',
  },
};

/** Whether the posted confirmation is the word the page showed (in any of the service's locales). */
export const isConfirmed = (value: unknown): boolean =>
  typeof value === 'string' && Object.values(MESSAGES).some((messages) => messages.word === value.trim());

/** The fresh sign-in that comes back to this page. */
export const REAUTH_FOR_DELETE = '/profile/reauth?return_to=%2Fprofile%2Fdelete';

export type DeleteState = 'confirm' | 'unconfirmed' | 'stale' | 'failed' | 'changed';

const STATUS: Record<DeleteState, number> = { confirm: 200, unconfirmed: 400, stale: 401, failed: 503, changed: 409 };

export function deletePage(input: {
  locale: Locale;
  target: DeletionTarget;
  csrfToken: string;
  state: DeleteState;
}): Page {
  const messages = MESSAGES[input.locale];
  const { state, target } = input;
  const problem =
    state === 'confirm'
      ? undefined
      : html`<p class="error" id="delete-error" data-problem="${state}" role="alert">
          ${messages[state]}
          ${state === 'stale' ? html`<a id="reauth" href="${REAUTH_FOR_DELETE}">${messages.reauth}</a>` : undefined}
        </p>`;
  return {
    status: STATUS[state],
    title: messages.title,
    body: html`<h1>${messages.title}</h1>
      ${problem}
      <p>${messages.intro}</p>
      <p id="email">${target.user.email ?? ''}</p>
      <h2>${messages.methods}</h2>
      <ul id="identities">
        ${target.user.identities.map((identity) => html`<li>${identity.connection}</li>`)}
      </ul>
      ${
        target.leftovers.length === 0
          ? undefined
          : html`<h2>${messages.leftovers}</h2>
              <ul id="leftovers">
                ${target.leftovers.map(
                  (leftover) =>
                    html`<li>
                      ${leftover.email ?? ''} (${leftover.identities.map((identity) => identity.connection).join(', ')})
                    </li>`,
                )}
              </ul>`
      }
      ${
        state === 'stale'
          ? undefined
          : html`<form method="post" action="/profile/delete">
              <input type="hidden" name="_csrf" value="${input.csrfToken}" />
              <input type="hidden" name="listed" value="${listingDigest(target)}" />
              <p>
                <label for="confirm">${messages.typeWord} <strong id="confirm-word">${messages.word}</strong></label
                ><br />
                <input id="confirm" type="text" name="confirm" autocomplete="off" required />
              </p>
              <button type="submit">${messages.button}</button>
            </form>`
      }
      <p><a id="back" href="/profile">${messages.back}</a></p>`,
  };
}

export function deletedPage(locale: Locale): Page {
  const messages = MESSAGES[locale];
  return {
    status: 200,
    title: messages.deletedTitle,
    body: html`<h1 id="deleted">${messages.deletedTitle}</h1>
      <p>${messages.deleted}</p>`,
  };
}
