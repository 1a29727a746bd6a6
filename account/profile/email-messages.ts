import type { Locale } from '../i18n';

/** The email change's words, on its pages and in its emails, in the service's languages. */

export type EmailRequestProblem = 'missing' | 'too_long' | 'invalid' | 'same' | 'stale' | 'social';
export type EmailConfirmProblem = 'invalid' | 'expired' | 'outdated' | 'otherUser' | 'unusable' | 'signIn';

export interface EmailChangeMessages {
  title: string;
  current: string;
  newAddress: string;
  send: string;
  sent: string;
  problems: Record<EmailRequestProblem, string>;
  reauth: string;
  confirmTitle: string;
  confirmQuestion: (address: string) => string;
  confirm: string;
  confirmProblems: Record<EmailConfirmProblem, string>;
  signIn: string;
  changed: (address: string, notified: boolean) => string;
  backToProfile: string;
  unavailable: string;
  mail: {
    linkSubject: string;
    link: (minutes: number) => string;
    linkIgnore: string;
    takenSubject: string;
    taken: string;
    changedSubject: string;
    changed: (masked: string) => string;
    changedNotYou: string;
  };
}

export const EMAIL_CHANGE_MESSAGES: Record<Locale, EmailChangeMessages> = {
  en: {
    title: 'Change your email address',
    current: 'Your email address:',
    newAddress: 'New email address',
    send: 'Send a confirmation link',
    sent: 'If this address can be used, we sent a link to it. Open it within 30 minutes to confirm the change; until then your email address stays the same.',
    problems: {
      missing: 'Nothing was sent: enter the new email address.',
      too_long: 'Nothing was sent: this address is too long (254 characters at most).',
      invalid: 'Nothing was sent: this is not a valid email address.',
      same: 'Nothing was sent: this is already your email address.',
      stale: 'Nothing was sent: for your security, sign in again before changing your email address.',
      social:
        'You sign in with another provider (such as Google): your email address is the one that provider gives, so nothing can be changed here. Change it with that provider.',
    },
    reauth: 'Sign in again',
    confirmTitle: 'Confirm your new email address',
    confirmQuestion: (address) => `Use ${address} as the email address of your account?`,
    confirm: 'Confirm the change',
    confirmProblems: {
      invalid: 'This link is not valid. Nothing was changed. Ask for a new one from your profile.',
      expired: 'This link has expired. Nothing was changed. Ask for a new one from your profile.',
      outdated: 'This link was already used, or your email address changed since it was sent. Nothing was changed.',
      otherUser:
        'This link was sent for another account than the one signed in here. Nothing was changed. Sign in with the account that asked for the change.',
      unusable: 'This address cannot be used for your account. Nothing was changed.',
      signIn: 'Sign in to your account to confirm the change, then open the link in the email again.',
    },
    signIn: 'Sign in',
    changed: (address, notified) =>
      `Your email address is now ${address}.${notified ? ' We let your previous address know.' : ''} Sign in with the new one from now on.`,
    backToProfile: 'Back to your profile',
    unavailable: 'Changing the email address is not available right now.',
    mail: {
      linkSubject: 'Confirm your new email address',
      link: (minutes) =>
        `Someone, hopefully you, asked to use this address for their account. To confirm, open this link within ${minutes} minutes:`,
      linkIgnore: 'If it was not you, ignore this email: nothing changes.',
      takenSubject: 'Your email address was not changed',
      taken:
        'Someone asked to use this address for their account, but another account already uses it, so nothing was changed. If it was you, sign in with this address, or choose another one. If it was not you, ignore this email.',
      changedSubject: 'Your email address was changed',
      changed: (masked) => `The email address of your account was changed to ${masked}. If it was you, all is well.`,
      changedNotYou:
        'If it was not you, someone may have access to your account: reset your password from the sign-in page at once and contact our support.',
    },
  },
  fr: {
    title: 'Changer votre adresse e-mail',
    current: 'Votre adresse e-mail :',
    newAddress: 'Nouvelle adresse e-mail',
    send: 'Envoyer un lien de confirmation',
    sent: 'Si cette adresse peut être utilisée, nous y avons envoyé un lien. Ouvrez-le dans les 30 minutes pour confirmer le changement ; d\u2019ici là, votre adresse reste la même.',
    problems: {
      missing: 'Rien n\u2019a été envoyé : saisissez la nouvelle adresse e-mail.',
      too_long: 'Rien n\u2019a été envoyé : cette adresse est trop longue (254 caractères au plus).',
      invalid: 'Rien n\u2019a été envoyé : cette adresse e-mail n\u2019est pas valide.',
      same: 'Rien n\u2019a été envoyé : c\u2019est déjà votre adresse e-mail.',
      stale: 'Rien n\u2019a été envoyé : par sécurité, reconnectez-vous avant de changer votre adresse e-mail.',
      social:
        'Vous vous connectez avec un autre fournisseur (comme Google) : votre adresse e-mail est celle qu\u2019il fournit, rien ne peut donc être changé ici. Changez-la chez ce fournisseur.',
    },
    reauth: 'Se reconnecter',
    confirmTitle: 'Confirmez votre nouvelle adresse e-mail',
    confirmQuestion: (address) => `Utiliser ${address} comme adresse e-mail de votre compte ?`,
    confirm: 'Confirmer le changement',
    confirmProblems: {
      invalid: 'Ce lien n\u2019est pas valide. Rien n\u2019a été changé. Demandez-en un nouveau depuis votre profil.',
      expired: 'Ce lien a expiré. Rien n\u2019a été changé. Demandez-en un nouveau depuis votre profil.',
      outdated:
        'Ce lien a déjà été utilisé, ou votre adresse e-mail a changé depuis son envoi. Rien n\u2019a été changé.',
      otherUser:
        'Ce lien a été envoyé pour un autre compte que celui connecté ici. Rien n\u2019a été changé. Connectez-vous avec le compte qui a demandé le changement.',
      unusable: 'Cette adresse ne peut pas être utilisée pour votre compte. Rien n\u2019a été changé.',
      signIn: 'Connectez-vous à votre compte pour confirmer le changement, puis rouvrez le lien de l\u2019e-mail.',
    },
    signIn: 'Se connecter',
    changed: (address, notified) =>
      `Votre adresse e-mail est désormais ${address}.${notified ? ' Nous avons prévenu votre ancienne adresse.' : ''} Connectez-vous désormais avec la nouvelle.`,
    backToProfile: 'Revenir à votre profil',
    unavailable: 'Le changement d\u2019adresse e-mail n\u2019est pas disponible pour le moment.',
    mail: {
      linkSubject: 'Confirmez votre nouvelle adresse e-mail',
      link: (minutes) =>
        `Quelqu\u2019un, sans doute vous, a demandé à utiliser cette adresse pour son compte. Pour confirmer, ouvrez ce lien dans les ${minutes} minutes :`,
      linkIgnore: 'Si ce n\u2019était pas vous, ignorez cet e-mail : rien ne change.',
      takenSubject: 'Votre adresse e-mail n\u2019a pas été changée',
      taken:
        'Quelqu\u2019un a demandé à utiliser cette adresse pour son compte, mais un autre compte l\u2019utilise déjà : rien n\u2019a été changé. Si c\u2019était vous, connectez-vous avec cette adresse, ou choisissez-en une autre. Sinon, ignorez cet e-mail.',
      changedSubject: 'Votre adresse e-mail a été changée',
      changed: (masked) =>
        `L\u2019adresse e-mail de votre compte a été changée en ${masked}. Si c\u2019était vous, tout va bien.`,
      changedNotYou:
        'Si ce n\u2019était pas vous, quelqu\u2019un a peut-être accès à votre compte : réinitialisez tout de suite votre mot de passe depuis la page de connexion et contactez notre support.',
    },
  },
};
