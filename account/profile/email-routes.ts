import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { pickLocale, type Locale } from '../i18n';
import type { MailConfig } from '../config';
import { createMailSender, type MailSender, type OutgoingMail } from '../mail/transport';
import type { ProfileStore, ProfileUser } from '../management/users';
import { errorPage, sendPage, type Page } from '../pages';
import { normalizeAddress, sameAddress } from './email-address';
import {
  deriveEmailLinkKeys,
  EMAIL_LINK_SECONDS,
  emailStateTag,
  signEmailLink,
  type EmailState,
  verifyEmailLink,
} from './email-link';
import { addressChangedMail, addressTakenMail, confirmLinkMail } from './email-mails';
import { EMAIL_CHANGE_MESSAGES, type EmailChangeMessages, type EmailRequestProblem } from './email-messages';
import {
  EMAIL_CONFIRM_PATH,
  EMAIL_PATH,
  emailChangedPage,
  emailConfirmPage,
  emailConfirmProblemPage,
  emailFormPage,
  primaryDatabaseConnection,
} from './email-pages';
import { dropPending, keepForSignIn, pendingOfSession } from './email-pending';
import { createOneAtATime } from './one-at-a-time';
import { readSession, signInIsRecent, type ProfileSession } from './routes';

/**
 * The email change (docs/account.md, "The email change"):
 * - `GET /profile/email`: the form (a database identity only: a social identity's email is its
 *   provider's);
 * - `POST /profile/email` (CSRF, rate limits, a recent sign-in): mails the new address a signed
 *   link, or, when another account uses it, a note saying so; the page answers the same either way;
 * - `GET /profile/email/confirm?token=`: the confirm page, changing nothing (mail scanners open links);
 *   without a profile session, the verified token kept through a fresh sign-in that comes back to it;
 * - `POST /profile/email/confirm` (CSRF, the link's user signed in): one Management API PATCH,
 *   only while the user's email state (address and app_metadata.email_change nonce) is still the
 *   one the link was issued for (so a link works once), then the old address is told.
 */

export interface EmailRoutesOptions {
  baseUrl: string;
  store: ProfileStore;
  /** Absent: the mail variables are not set, and the email change is not served. */
  mail?: MailConfig;
  /** ACCOUNT_SESSION_KEYS, from which the link key is derived (email-link.ts). */
  sessionKeys: Buffer[];
  now: () => number;
  limits: { perIpPerMinute: number; perUserPerMinute: number };
}

/** Each request sends an email to an address the user chooses: a few an hour per user. */
const REQUESTS_PER_USER_PER_HOUR = 5;
/** And a few a day per recipient, whoever asks: N accounts cannot mail one victim 5·N times an hour. */
const EMAILS_PER_RECIPIENT_PER_DAY = 3;

/**
 * The per-recipient limit's key: a hash of the normalised address (lower-cased, as Auth0 compares
 * them), so the limiter's memory holds no address. Called after the address was validated.
 */
function recipientKey(request: FastifyRequest): string {
  const body = request.body;
  const parsed = normalizeAddress(
    typeof body === 'object' && body !== null && 'email' in body ? body.email : undefined,
  );
  const address = parsed.ok ? parsed.address.toLowerCase() : '';
  return `to:${createHash('sha256').update(address).digest('base64url')}`;
}

export const emailRoutes: FastifyPluginAsync<EmailRoutesOptions> = async (app, options) => {
  const keys = deriveEmailLinkKeys(options.sessionKeys);
  // One confirm at a time per user (in this instance): the second reads the state the first wrote.
  const perUser = createOneAtATime();
  const sender = options.mail && createMailSender(options.mail);
  if (sender) app.addHook('onClose', async () => sender.close());
  const nowSeconds = (): number => Math.floor(options.now() / 1000);
  const audience = `${options.baseUrl}${EMAIL_CONFIRM_PATH}`;
  const localeOf = (request: FastifyRequest): Locale => pickLocale(undefined, request.headers['accept-language']);
  /** The user's own language for their emails (preferred_language), else the page's. */
  const mailMessages = (request: FastifyRequest, user: ProfileUser): EmailChangeMessages =>
    EMAIL_CHANGE_MESSAGES[pickLocale(user.userMetadata['preferred_language'], request.headers['accept-language'])];
  const sessionOf = (request: FastifyRequest): ProfileSession | undefined =>
    readSession(request.session.get('profile'), nowSeconds());
  const userKey = (request: FastifyRequest): string => {
    const session = sessionOf(request);
    return session ? `sub:${session.sub}` : `ip:${request.ip}`;
  };
  const requestLimit = app.createRateLimit({
    max: REQUESTS_PER_USER_PER_HOUR,
    timeWindow: 60 * 60_000,
    keyGenerator: userKey,
  });
  const recipientLimit = app.createRateLimit({
    max: EMAILS_PER_RECIPIENT_PER_DAY,
    timeWindow: 24 * 60 * 60_000,
    keyGenerator: recipientKey,
  });
  const confirmLimit = app.createRateLimit({
    max: options.limits.perUserPerMinute,
    timeWindow: 60_000,
    keyGenerator: userKey,
  });
  const perIpLimit = () => app.rateLimit({ max: options.limits.perIpPerMinute, timeWindow: 60_000 });
  const formPost = () => ({
    onRequest: perIpLimit(),
    preHandler: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) =>
      app.csrfProtection(request, reply, done),
  });

  /** Another user has the address, on any connection (Auth0 refuses it only within one connection). */
  const usedByAnother = async (address: string, userId: string): Promise<boolean> =>
    (await options.store.findUserIdsByEmail(address)).some((id) => id !== userId);

  const show = (reply: FastifyReply, request: FastifyRequest, page: Page) => sendPage(reply, localeOf(request), page);
  /** An unexpected failure (Management API, SMTP): logged by error type only, an error page. */
  const failed = (request: FastifyRequest, reply: FastifyReply, what: string, error: unknown) => {
    request.log.error({ err: { type: error instanceof Error ? error.name : typeof error } }, `${what} failed`);
    return show(reply, request, errorPage(localeOf(request), 'unavailable'));
  };

  /** The signed-in user, or the reply already sent (to /profile to sign in, or an error page). */
  const signedInUser = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ session: ProfileSession; user: ProfileUser; mail: MailSender } | FastifyReply> => {
    if (!sender) return show(reply, request, errorPage(localeOf(request), 'unavailable'));
    const session = sessionOf(request);
    // /profile starts the sign-in and comes back to the profile, where the change starts again.
    if (!session) return reply.redirect('/profile', 303);
    let user: ProfileUser | undefined;
    try {
      user = await options.store.getUser(session.sub);
    } catch (error) {
      return failed(request, reply, 'management api', error);
    }
    if (!user) {
      request.session.set('profile', undefined);
      return show(reply, request, errorPage(localeOf(request), 'notFound'));
    }
    return { session, user, mail: sender };
  };

  const formPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    user: ProfileUser,
    outcome: { problem?: EmailRequestProblem; value?: string; sent?: boolean } = {},
  ) =>
    show(
      reply,
      request,
      emailFormPage({
        messages: EMAIL_CHANGE_MESSAGES[localeOf(request)],
        currentEmail: user.email ?? '',
        csrfToken: reply.generateCsrf(),
        ...outcome,
        social: !primaryDatabaseConnection(user),
      }),
    );

  // Each view reads the Management API: limited per IP like the posts.
  app.get(EMAIL_PATH, { onRequest: perIpLimit() }, async (request, reply) => {
    const found = await signedInUser(request, reply);
    if (!('user' in found)) return found;
    return formPage(request, reply, found.user);
  });

  app.post<{ Body: { email?: unknown } }>(EMAIL_PATH, formPost(), async (request, reply) => {
    const found = await signedInUser(request, reply);
    if (!('user' in found)) return found;
    const { session, user, mail } = found;
    // A social identity's email is its provider's: nothing is changed, nothing sent.
    if (!primaryDatabaseConnection(user)) return formPage(request, reply, user, { problem: 'social' });
    if (!signInIsRecent(session, nowSeconds())) return formPage(request, reply, user, { problem: 'stale' });
    const typed = request.body?.email;
    const parsed = normalizeAddress(typed);
    const value = typeof typed === 'string' ? typed.slice(0, 254) : '';
    if (!parsed.ok) return formPage(request, reply, user, { problem: parsed.problem, value });
    const currentEmail = user.email ?? '';
    if (sameAddress(parsed.address, currentEmail)) return formPage(request, reply, user, { problem: 'same', value });

    // Counted only for the requests that send an email.
    const limit = await requestLimit(request);
    if (!limit.isAllowed && limit.isExceeded) return show(reply, request, errorPage(localeOf(request), 'tooMany'));
    const recipient = await recipientLimit(request);
    if (!recipient.isAllowed && recipient.isExceeded) {
      // The answer of a sent email: a different one would tell that someone else mails this address.
      request.log.info('email change: the recipient has had its emails for the day');
      return formPage(request, reply, user, { sent: true });
    }
    let taken: boolean;
    try {
      taken = await usedByAnother(parsed.address, user.userId);
    } catch (error) {
      return failed(request, reply, 'management api', error);
    }
    // The state the link is bound to: the address and the nonce, from the same read of the user.
    const current: EmailState = { email: user.email ?? '', nonce: user.emailChangeNonce };
    const messages = mailMessages(request, user);
    let outgoing: OutgoingMail;
    if (taken) {
      outgoing = addressTakenMail(messages, parsed.address);
    } else {
      const token = await signEmailLink(keys, {
        sub: user.userId,
        newEmail: parsed.address,
        current,
        audience,
        nowMs: options.now(),
      });
      const url = `${audience}?${new URLSearchParams({ token }).toString()}`;
      outgoing = confirmLinkMail(messages, parsed.address, url, EMAIL_LINK_SECONDS / 60);
    }
    try {
      await mail.send(outgoing);
    } catch (error) {
      return failed(request, reply, 'email change mail', error);
    }
    // The same answer whether or not the address is in use: the page tells no one who has an account.
    return formPage(request, reply, user, { sent: true });
  });

  const confirmProblem = (
    request: FastifyRequest,
    reply: FastifyReply,
    problem: Parameters<typeof emailConfirmProblemPage>[1],
  ) => show(reply, request, emailConfirmProblemPage(EMAIL_CHANGE_MESSAGES[localeOf(request)], problem));

  app.get<{ Querystring: { token?: unknown } }>(
    EMAIL_CONFIRM_PATH,
    { onRequest: perIpLimit() },
    async (request, reply) => {
      if (!sender) return show(reply, request, errorPage(localeOf(request), 'unavailable'));
      // Without a token in the URL: the link kept through a sign-in (email-pending.ts).
      const token = request.query.token === undefined ? pendingOfSession(request) : request.query.token;
      const verified = await verifyEmailLink(keys, token, audience, options.now());
      if (!verified.ok || typeof token !== 'string') {
        dropPending(request);
        return confirmProblem(request, reply, verified.ok ? 'invalid' : verified.problem);
      }
      const session = sessionOf(request);
      if (!session) {
        // Kept (verified, so ours and bounded) for the fresh sign-in, which comes back here.
        keepForSignIn(request, token);
        return reply.redirect(
          `/profile/reauth?${new URLSearchParams({ return_to: EMAIL_CONFIRM_PATH }).toString()}`,
          303,
        );
      }
      if (session.sub !== verified.claims.sub) {
        dropPending(request);
        return confirmProblem(request, reply, 'otherUser');
      }
      return show(
        reply,
        request,
        emailConfirmPage({
          messages: EMAIL_CHANGE_MESSAGES[localeOf(request)],
          newEmail: verified.claims.newEmail,
          token,
          csrfToken: reply.generateCsrf(),
        }),
      );
    },
  );

  app.post<{ Body: { token?: unknown } }>(EMAIL_CONFIRM_PATH, formPost(), async (request, reply) => {
    if (!sender) return show(reply, request, errorPage(localeOf(request), 'unavailable'));
    // The confirm page's form carries the token from here on: the pending link's part is done.
    dropPending(request);
    const verified = await verifyEmailLink(keys, request.body?.token, audience, options.now());
    if (!verified.ok) return confirmProblem(request, reply, verified.problem);
    const session = sessionOf(request);
    if (!session) return confirmProblem(request, reply, 'signIn');
    if (session.sub !== verified.claims.sub) return confirmProblem(request, reply, 'otherUser');
    const limit = await confirmLimit(request);
    if (!limit.isAllowed && limit.isExceeded) return show(reply, request, errorPage(localeOf(request), 'tooMany'));
    const found = await signedInUser(request, reply);
    if (!('user' in found)) return found;
    const { user, mail } = found;
    const connection = primaryDatabaseConnection(user);
    const newEmail = normalizeAddress(verified.claims.newEmail);
    if (!connection || !newEmail.ok) return confirmProblem(request, reply, 'unusable');
    let outcome: { done: 'changed'; previousEmail: string } | { done: 'outdated' } | { done: 'refused' };
    try {
      outcome = await perUser(user.userId, async () => {
        // Checked again: a user of another connection (a social one) may have taken it since the link was sent.
        if (await usedByAnother(newEmail.address, user.userId)) return { done: 'refused' };
        // Single use without server state: once applied (or after any other change through this
        // service, even back to the same address), the state is no longer the one the link was
        // issued for. Read last, just before the PATCH that replaces the nonce.
        const fresh = await options.store.getUser(user.userId);
        const state = fresh && { email: fresh.email ?? '', nonce: fresh.emailChangeNonce };
        if (!state || emailStateTag(verified.key, state) !== verified.claims.stateTag) return { done: 'outdated' };
        const changed = await options.store.changeEmail(user.userId, connection, newEmail.address);
        return changed === 'changed' ? { done: 'changed', previousEmail: state.email } : { done: 'refused' };
      });
    } catch (error) {
      return failed(request, reply, 'management api', error);
    }
    if (outcome.done === 'outdated') return confirmProblem(request, reply, 'outdated');
    if (outcome.done === 'refused') return confirmProblem(request, reply, 'unusable');
    const { previousEmail } = outcome;
    let notified = previousEmail !== '';
    if (notified) {
      try {
        await mail.send(addressChangedMail(mailMessages(request, user), previousEmail, newEmail.address));
      } catch (error) {
        // The change is made and cannot be taken back from here: say so where the operators look.
        request.log.error(
          { err: { type: error instanceof Error ? error.name : typeof error } },
          'email change notice failed',
        );
        notified = false;
      }
    }
    return show(reply, request, emailChangedPage(EMAIL_CHANGE_MESSAGES[localeOf(request)], newEmail.address, notified));
  });
};
