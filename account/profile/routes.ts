import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LOCALES, MESSAGES, pickLocale, type Locale } from '../i18n';
import type { ProfileStore, ProfileUser } from '../management/users';
import type { LoginChecks, TenantLogin } from '../oidc/tenant-login';
import { errorPage, sendPage } from '../pages';
import { EMAIL_CONFIRM_PATH } from './email-pages';
import { keepInSession, pendingOfLogin } from './email-pending';
import { decideUnlink } from './identities';
import { EDITABLE_FIELDS, validateEdit, type EditableField } from './metadata';
import { passwordConnection, profilePage, signedInPage, type PasswordOutcome } from './pages';

/**
 * The self-service profile (docs/account.md, "The profile page"):
 * - `GET /profile`: without a profile session, an OIDC login with this service's client (the
 *   Actions leave it alone: `account_service`); with one, the profile and the metadata form;
 * - `GET /profile/callback`: the login's answer; the verified `sub` opens a profile session;
 * - `POST /profile` (CSRF, rate limits): the allow-listed user_metadata, all valid or nothing saved.
 */

export interface ProfileRoutesOptions {
  baseUrl: string;
  login: TenantLogin;
  store: ProfileStore;
  now: () => number;
  limits: { perIpPerMinute: number };
}

export const PROFILE_CALLBACK_PATH = '/profile/callback';
/** A profile session: the user signs in again after it (the pages change personal data). */
const PROFILE_SESSION_SECONDS = 15 * 60;
/** The tenant's enabled locales (tenant.yaml), which are the service's. */
const ENABLED_LOCALES: readonly Locale[] = LOCALES;

/** A password change needs a sign-in at most this old (the page offers a fresh one, max_age=0). */
export const REAUTH_SECONDS = 5 * 60;
const MAX_PASSWORD_CHARS = 128;

export interface ProfileSession {
  sub: string;
  exp: number;
  /** Epoch seconds: the ID token's auth_time, when the user last authenticated. */
  authAt: number;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    profile: ProfileSession;
    profileLogin: LoginChecks;
    /** Where the callback's page moves on to (one of REAUTH_RETURN_PATHS). */
    profileReturn: string;
  }
}

/** The pages a fresh sign-in (`/profile/reauth?return_to=`) may return to: no open redirect. */
const REAUTH_RETURN_PATHS: readonly string[] = ['/profile', '/profile/delete', EMAIL_CONFIRM_PATH];
const returnPath = (value: unknown): string =>
  typeof value === 'string' && REAUTH_RETURN_PATHS.includes(value) ? value : '/profile';

/** Whether the user authenticated recently enough for a sensitive change (REAUTH_SECONDS). */
export const signInIsRecent = (session: ProfileSession, nowSeconds: number): boolean =>
  nowSeconds - session.authAt <= REAUTH_SECONDS;

export function readSession(value: unknown, nowSeconds: number): ProfileSession | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { sub, exp, authAt } = value as Partial<ProfileSession>;
  return typeof sub === 'string' &&
    sub !== '' &&
    typeof exp === 'number' &&
    exp > nowSeconds &&
    typeof authAt === 'number'
    ? { sub, exp, authAt }
    : undefined;
}

function readChecks(value: unknown): LoginChecks | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { verifier, state, nonce } = value as Partial<LoginChecks>;
  return typeof verifier === 'string' && typeof state === 'string' && typeof nonce === 'string'
    ? { verifier, state, nonce }
    : undefined;
}

const storedValues = (user: ProfileUser): Partial<Record<EditableField, string>> =>
  Object.fromEntries(
    EDITABLE_FIELDS.flatMap((field) => {
      const value = user.userMetadata[field];
      return typeof value === 'string' ? [[field, value]] : [];
    }),
  );

export const profileRoutes: FastifyPluginAsync<ProfileRoutesOptions> = async (app, options) => {
  const nowSeconds = (): number => Math.floor(options.now() / 1000);
  const localeOf = (request: FastifyRequest): Locale => pickLocale(undefined, request.headers['accept-language']);
  // One limiter per route, as each route had its own.
  const perIpLimit = () => app.rateLimit({ max: options.limits.perIpPerMinute, timeWindow: 60_000 });
  /** A form post: rate limited per address, CSRF-checked. */
  const formPost = () => ({
    onRequest: perIpLimit(),
    preHandler: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) =>
      app.csrfProtection(request, reply, done),
  });
  /** The Management API failed: logged by error type only (no personal data), an error page. */
  const managementApiFailed = (request: FastifyRequest, reply: FastifyReply, locale: Locale, error: unknown) => {
    request.log.error({ err: { type: error instanceof Error ? error.name : typeof error } }, 'management api failed');
    return sendPage(reply, locale, errorPage(locale, 'unavailable'));
  };

  const signIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    fresh = false,
    returnTo = '/profile',
  ): Promise<FastifyReply> => {
    const locale = localeOf(request);
    try {
      const started = await options.login.start({
        redirectUri: `${options.baseUrl}${PROFILE_CALLBACK_PATH}`,
        // A fresh sign-in: the credentials asked again, whatever SSO session the browser has.
        ...(fresh ? { prompt: 'login' as const, maxAge: 0 } : {}),
      });
      request.loginSession.set('profileLogin', started.checks);
      request.loginSession.set('profileReturn', returnTo);
      return reply.redirect(started.url, 303);
    } catch (error) {
      request.log.error({ err: { type: (error as Error).name } }, 'tenant discovery failed');
      return sendPage(reply, locale, errorPage(locale, 'unavailable'));
    }
  };

  /** The signed-in user as the Management API has them, or the reply already sent. */
  const signedInUser = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ session: ProfileSession; user: ProfileUser } | FastifyReply> => {
    const session = readSession(request.session.get('profile'), nowSeconds());
    if (!session) return signIn(request, reply);
    const locale = localeOf(request);
    let user: ProfileUser | undefined;
    try {
      user = await options.store.getUser(session.sub);
    } catch (error) {
      return managementApiFailed(request, reply, locale, error);
    }
    if (!user) {
      request.session.set('profile', undefined);
      return sendPage(reply, locale, errorPage(locale, 'notFound'));
    }
    return { session, user };
  };

  // Each view reads the user through the Management API, whose quota the whole tenant shares.
  app.get('/profile', { onRequest: perIpLimit() }, async (request, reply) => {
    const found = await signedInUser(request, reply);
    if (!('user' in found)) return found;
    const locale = localeOf(request);
    return sendPage(
      reply,
      locale,
      profilePage({
        messages: MESSAGES[locale],
        locales: ENABLED_LOCALES,
        user: found.user,
        csrfToken: reply.generateCsrf(),
        values: storedValues(found.user),
      }),
    );
  });

  app.get<{ Querystring: Record<string, string> }>(
    PROFILE_CALLBACK_PATH,
    { onRequest: perIpLimit() },
    async (request, reply) => {
      // Used once, as the linking proof's.
      const checks = readChecks(request.loginSession.get('profileLogin'));
      const returnTo = returnPath(request.loginSession.get('profileReturn'));
      const pendingEmailLink = pendingOfLogin(request);
      request.loginSession.delete();
      const locale = localeOf(request);
      if (!checks) return sendPage(reply, locale, errorPage(locale, 'mismatch'));
      let signedIn: { sub: string; authTime?: number };
      try {
        signedIn = await options.login.finish(new URL(request.url, options.baseUrl), checks);
      } catch (error) {
        request.log.warn({ err: { type: (error as Error).name } }, 'profile sign-in failed');
        return sendPage(reply, locale, errorPage(locale, 'invalidLink'));
      }
      const now = nowSeconds();
      request.session.set('profile', {
        sub: signedIn.sub,
        exp: now + PROFILE_SESSION_SECONDS,
        // No auth_time: counted as not recent.
        authAt: Math.min(signedIn.authTime ?? 0, now),
      });
      if (returnTo === EMAIL_CONFIRM_PATH && pendingEmailLink) keepInSession(request, pendingEmailLink);
      // Not a redirect: this response ends a navigation that started on the tenant (cross-site),
      // and browsers keep the Strict session cookie off the whole redirect chain. A page of ours
      // that moves on to /profile starts a same-site navigation, which carries it.
      return sendPage(reply, locale, signedInPage(MESSAGES[locale], returnTo));
    },
  );

  app.post<{ Body: Record<string, unknown> }>('/profile', formPost(), async (request, reply) => {
    const found = await signedInUser(request, reply);
    if (!('user' in found)) return found;
    const locale = localeOf(request);
    const { _csrf: _ignored, ...submitted } = request.body ?? {};
    const result = validateEdit(submitted, ENABLED_LOCALES);
    const page = {
      messages: MESSAGES[locale],
      locales: ENABLED_LOCALES,
      user: found.user,
      csrfToken: reply.generateCsrf(),
    };
    if (!result.ok) {
      const values = Object.fromEntries(
        Object.entries(submitted).filter(
          (entry): entry is [EditableField, string] =>
            (EDITABLE_FIELDS as readonly string[]).includes(entry[0]) && typeof entry[1] === 'string',
        ),
      );
      return sendPage(reply, locale, profilePage({ ...page, values, problems: result.problems }));
    }
    try {
      await options.store.updateMetadata(found.session.sub, result.patch);
    } catch (error) {
      return managementApiFailed(request, reply, locale, error);
    }
    const user = { ...found.user, userMetadata: { ...found.user.userMetadata, ...result.patch } };
    return sendPage(reply, locale, profilePage({ ...page, user, values: storedValues(user), saved: true }));
  });

  app.post<{ Body: { identity?: unknown } }>('/profile/unlink', formPost(), async (request, reply) => {
    const found = await signedInUser(request, reply);
    if (!('user' in found)) return found;
    const locale = localeOf(request);
    const page = {
      messages: MESSAGES[locale],
      locales: ENABLED_LOCALES,
      csrfToken: reply.generateCsrf(),
      values: storedValues(found.user),
    };
    const decision = decideUnlink(found.user, request.body?.identity);
    if (!decision.ok) {
      request.log.warn({ problem: decision.problem }, 'unlink refused');
      return sendPage(reply, locale, profilePage({ ...page, user: found.user, unlink: 'refused' }));
    }
    try {
      await options.store.unlinkIdentity(found.session.sub, decision.identity);
    } catch (error) {
      return managementApiFailed(request, reply, locale, error);
    }
    const user = { ...found.user, identities: found.user.identities.filter((i) => i !== decision.identity) };
    return sendPage(reply, locale, profilePage({ ...page, user, unlink: 'done' }));
  });

  // Download my data: one JSON file. A GET that only the session's owner can read (SameSite=Strict
  // session, and a cross-site page cannot read the response).
  app.get('/profile/export', { onRequest: perIpLimit() }, async (request, reply) => {
    const session = readSession(request.session.get('profile'), nowSeconds());
    if (!session) return signIn(request, reply);
    const locale = localeOf(request);
    let held: Record<string, unknown> | undefined;
    try {
      held = await options.store.exportUser(session.sub);
    } catch (error) {
      return managementApiFailed(request, reply, locale, error);
    }
    if (!held) return sendPage(reply, locale, errorPage(locale, 'notFound'));
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="my-account-data.json"')
      .send(JSON.stringify({ exported_at: new Date(options.now()).toISOString(), user: held }, null, 2));
  });

  // A fresh sign-in (prompt=login, max_age=0) before a sensitive change; back to /profile after,
  // or to the allow-listed page named by `return_to`.
  app.get<{ Querystring: { return_to?: unknown } }>('/profile/reauth', async (request, reply) =>
    signIn(request, reply, true, returnPath(request.query.return_to)),
  );

  app.post<{ Body: { password?: unknown; confirm?: unknown } }>(
    '/profile/password',
    formPost(),
    async (request, reply) => {
      const found = await signedInUser(request, reply);
      if (!('user' in found)) return found;
      const locale = localeOf(request);
      const show = (password: PasswordOutcome) =>
        sendPage(
          reply,
          locale,
          profilePage({
            messages: MESSAGES[locale],
            locales: ENABLED_LOCALES,
            user: found.user,
            csrfToken: reply.generateCsrf(),
            values: storedValues(found.user),
            password,
          }),
        );
      const connection = passwordConnection(found.user);
      if (!connection) return show('none');
      if (!signInIsRecent(found.session, nowSeconds())) return show('stale');
      const { password, confirm } = request.body ?? {};
      if (typeof password !== 'string' || password === '' || password.length > MAX_PASSWORD_CHARS) return show('weak');
      if (password !== confirm) return show('mismatch');
      let outcome: 'changed' | 'weak';
      try {
        outcome = await options.store.changePassword(found.session.sub, connection, password);
      } catch (error) {
        return managementApiFailed(request, reply, locale, error);
      }
      return show(outcome);
    },
  );
};
