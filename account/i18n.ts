import Negotiator from 'negotiator';

/** The languages the pages speak; the first is the fallback. */
export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * `ui_locales` (space-separated, in order of preference, as the application passed it to
 * /authorize) wins over the browser's Accept-Language; English when neither names a known one.
 */
export function pickLocale(uiLocales: unknown, acceptLanguage: string | undefined): Locale {
  const known = (tag: string): Locale | undefined =>
    LOCALES.find((locale) => tag.toLowerCase().split('-')[0] === locale);
  if (typeof uiLocales === 'string') {
    for (const tag of uiLocales.split(' ')) {
      const locale = known(tag);
      if (locale) return locale;
    }
  }
  const negotiated = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages([...LOCALES]);
  return known(negotiated[0] ?? '') ?? 'en';
}

export interface Messages {
  termsTitle: string;
  termsIntro: (version: string) => string;
  accept: string;
  decline: string;
  accepted: string;
  declined: string;
  continue: string;
  continueNote: string;
  invalidLinkTitle: string;
  invalidLink: string;
  expiredTitle: string;
  expired: string;
  mismatchTitle: string;
  mismatch: string;
  forbiddenTitle: string;
  forbidden: string;
  tooManyTitle: string;
  tooMany: string;
  unavailableTitle: string;
  unavailable: string;
  errorTitle: string;
  error: string;
  notFoundTitle: string;
  notFound: string;
  linkTitle: string;
  linkIntro: string;
  /** The offered account, by provider only: the page shows no email or name. */
  accountLabel: (provider: string, connection: string) => string;
  linkSignIn: string;
  linkDecline: string;
  linked: string;
  notLinked: string;
  linkAnotherAccount: string;
  linkSignInFailed: string;
  linkBack: string;
  notOfferedTitle: string;
  notOffered: string;
  profileTitle: string;
  profileSaved: string;
  profileInvalid: string;
  profileFields: Record<'given_name' | 'family_name' | 'name' | 'nickname' | 'picture' | 'preferred_language', string>;
  save: string;
  signedInWith: string;
  unlink: string;
  unlinked: string;
  unlinkRefused: string;
  downloadData: string;
  deleteAccount: string;
  changeEmail: string;
  password: Record<
    'title' | 'new' | 'confirm' | 'change' | 'changed' | 'weak' | 'mismatch' | 'stale' | 'reauth' | 'socialOnly',
    string
  >;
}

export const MESSAGES: Record<Locale, Messages> = {
  en: {
    termsTitle: 'Terms and Conditions',
    termsIntro: (version) => `Please read and accept version ${version} of our Terms and Conditions to continue.`,
    accept: 'Accept',
    decline: 'Decline',
    accepted: 'Terms accepted',
    declined: 'Terms declined',
    continue: 'Continue',
    continueNote: 'You are being sent back to the login. If nothing happens, press Continue.',
    invalidLinkTitle: 'Invalid link',
    invalidLink: 'This link is not valid. Start the login again from the application.',
    expiredTitle: 'Link expired',
    expired: 'This link has expired. Start the login again from the application.',
    mismatchTitle: 'Page out of date',
    mismatch: 'This page no longer belongs to a login in progress. Start the login again from the application.',
    forbiddenTitle: 'Request refused',
    forbidden: 'This form could not be verified. Reload the link from the application and try again.',
    tooManyTitle: 'Too many attempts',
    tooMany: 'Please wait a minute before trying again.',
    unavailableTitle: 'Temporarily unavailable',
    unavailable: 'This page cannot be shown right now. Please try again later.',
    errorTitle: 'Something went wrong',
    error: 'Please start the login again from the application.',
    notFoundTitle: 'Not found',
    notFound: 'There is no page at this address.',
    linkTitle: 'Link your accounts',
    linkIntro:
      'You already have an account with the same email address. Sign in to it to link both: you will then reach the same profile whichever way you log in.',
    accountLabel: (provider, connection) =>
      provider === 'auth0'
        ? 'Your account with a password'
        : provider === 'google-oauth2'
          ? 'Your Google account'
          : `Your account on ${connection}`,
    linkSignIn: 'Sign in and link',
    linkDecline: 'Don\u2019t link',
    linked: 'Accounts linked',
    notLinked: 'Accounts not linked',
    linkAnotherAccount:
      'You signed in to another account than the one offered, so nothing was linked. Sign in to the offered account, or choose not to link.',
    linkSignInFailed: 'The sign-in did not complete, so nothing was linked. Try again, or choose not to link.',
    linkBack: 'Back to the accounts to link',
    notOfferedTitle: 'Account not offered',
    notOffered: 'This account was not offered for linking. Start the login again from the application.',
    profileTitle: 'Your profile',
    profileSaved: 'Your profile was saved.',
    profileInvalid: 'Nothing was saved: correct the fields marked below.',
    profileFields: {
      given_name: 'First name',
      family_name: 'Last name',
      name: 'Full name',
      nickname: 'Nickname',
      picture: 'Picture (https address)',
      preferred_language: 'Preferred language',
    },
    save: 'Save',
    signedInWith: 'Sign-in methods',
    unlink: 'Unlink',
    unlinked: 'The sign-in method was unlinked: it is an account of its own again.',
    unlinkRefused: 'This sign-in method cannot be unlinked: your account keeps its main sign-in method.',
    downloadData: 'Download my data (JSON)',
    deleteAccount: 'Delete my account',
    changeEmail: 'Change your email address',
    password: {
      title: 'Password',
      new: 'New password',
      confirm: 'New password again',
      change: 'Change password',
      changed: 'Your password was changed.',
      weak: 'Nothing was changed: this password does not meet the password rules (length, variety, not a recent or common one, no personal data).',
      mismatch: 'Nothing was changed: the two passwords differ.',
      stale: 'Nothing was changed: for your security, sign in again before changing your password.',
      reauth: 'Sign in again',
      socialOnly:
        'You sign in with another provider (such as Google) only: there is no password here to change. Change it with that provider.',
    },
  },
  fr: {
    termsTitle: 'Conditions générales',
    termsIntro: (version) =>
      `Veuillez lire et accepter la version ${version} de nos conditions générales pour continuer.`,
    accept: 'Accepter',
    decline: 'Refuser',
    accepted: 'Conditions acceptées',
    declined: 'Conditions refusées',
    continue: 'Continuer',
    continueNote: 'Vous êtes renvoyé vers la connexion. Si rien ne se passe, appuyez sur Continuer.',
    invalidLinkTitle: 'Lien invalide',
    invalidLink: 'Ce lien n\u2019est pas valide. Recommencez la connexion depuis l\u2019application.',
    expiredTitle: 'Lien expiré',
    expired: 'Ce lien a expiré. Recommencez la connexion depuis l\u2019application.',
    mismatchTitle: 'Page périmée',
    mismatch:
      'Cette page ne correspond plus à une connexion en cours. Recommencez la connexion depuis l\u2019application.',
    forbiddenTitle: 'Requête refusée',
    forbidden: 'Ce formulaire n\u2019a pas pu être vérifié. Rouvrez le lien depuis l\u2019application et réessayez.',
    tooManyTitle: 'Trop de tentatives',
    tooMany: 'Veuillez patienter une minute avant de réessayer.',
    unavailableTitle: 'Momentanément indisponible',
    unavailable: 'Cette page ne peut pas être affichée pour le moment. Veuillez réessayer plus tard.',
    errorTitle: 'Une erreur est survenue',
    error: 'Recommencez la connexion depuis l\u2019application.',
    notFoundTitle: 'Page introuvable',
    notFound: 'Il n\u2019y a pas de page à cette adresse.',
    linkTitle: 'Reliez vos comptes',
    linkIntro:
      'Vous avez déjà un compte avec la même adresse e-mail. Connectez-vous à ce compte pour relier les deux : vous retrouverez le même profil quelle que soit la façon dont vous vous connectez.',
    accountLabel: (provider, connection) =>
      provider === 'auth0'
        ? 'Votre compte avec mot de passe'
        : provider === 'google-oauth2'
          ? 'Votre compte Google'
          : `Votre compte ${connection}`,
    linkSignIn: 'Se connecter et relier',
    linkDecline: 'Ne pas relier',
    linked: 'Comptes reliés',
    notLinked: 'Comptes non reliés',
    linkAnotherAccount:
      'Vous vous êtes connecté à un autre compte que celui proposé : rien n\u2019a été relié. Connectez-vous au compte proposé, ou choisissez de ne pas relier.',
    linkSignInFailed:
      'La connexion n\u2019a pas abouti : rien n\u2019a été relié. Réessayez, ou choisissez de ne pas relier.',
    linkBack: 'Revenir aux comptes à relier',
    notOfferedTitle: 'Compte non proposé',
    notOffered:
      'Ce compte n\u2019a pas été proposé pour être relié. Recommencez la connexion depuis l\u2019application.',
    profileTitle: 'Votre profil',
    profileSaved: 'Votre profil a été enregistré.',
    profileInvalid: 'Rien n\u2019a été enregistré : corrigez les champs signalés ci-dessous.',
    profileFields: {
      given_name: 'Prénom',
      family_name: 'Nom',
      name: 'Nom complet',
      nickname: 'Pseudonyme',
      picture: 'Photo (adresse https)',
      preferred_language: 'Langue préférée',
    },
    save: 'Enregistrer',
    signedInWith: 'Méthodes de connexion',
    unlink: 'Détacher',
    unlinked: 'La méthode de connexion a été détachée : c\u2019est de nouveau un compte à part.',
    unlinkRefused:
      'Cette méthode de connexion ne peut pas être détachée : votre compte garde sa méthode de connexion principale.',
    downloadData: 'Télécharger mes données (JSON)',
    deleteAccount: 'Supprimer mon compte',
    changeEmail: 'Changer votre adresse e-mail',
    password: {
      title: 'Mot de passe',
      new: 'Nouveau mot de passe',
      confirm: 'Nouveau mot de passe, à nouveau',
      change: 'Changer le mot de passe',
      changed: 'Votre mot de passe a été changé.',
      weak: 'Rien n\u2019a été changé : ce mot de passe ne respecte pas les règles (longueur, variété, ni récent ni courant, sans donnée personnelle).',
      mismatch: 'Rien n\u2019a été changé : les deux mots de passe diffèrent.',
      stale: 'Rien n\u2019a été changé : par sécurité, reconnectez-vous avant de changer votre mot de passe.',
      reauth: 'Se reconnecter',
      socialOnly:
        'Vous vous connectez uniquement avec un autre fournisseur (comme Google) : il n\u2019y a pas de mot de passe à changer ici. Changez-le chez ce fournisseur.',
    },
  },
};
