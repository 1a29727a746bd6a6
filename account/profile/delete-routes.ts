import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { pickLocale, type Locale } from '../i18n';
import type { ProfileStore } from '../management/users';
import { errorPage, sendPage } from '../pages';
import { deletedPage, deletePage, isConfirmed, REAUTH_FOR_DELETE, type DeleteState } from './delete-pages';
import {
  listingDigest,
  planDeletion,
  readDeletionTarget,
  runDeletion,
  userIdDigest,
  type DeletionAudit,
  type DeletionTarget,
} from './deletion';
import { readSession, signInIsRecent } from './routes';

/**
 * Delete my account (docs/account.md, "Delete my account"):
 * - `GET /profile/delete`: what will be deleted and the confirmation form, after a recent sign-in
 *   (else a fresh one that returns here);
 * - `POST /profile/delete` (CSRF, rate limits per address and per user): the typed confirmation
 *   word, a recent sign-in and the same listing as the page's, then the deletion (deletion.ts), one
 *   audit line, the session ended.
 */

export interface DeleteRoutesOptions {
  store: ProfileStore;
  now: () => number;
  limits: { perIpPerMinute: number; perUserPerMinute: number };
}

const errorType = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

export const deleteRoutes: FastifyPluginAsync<DeleteRoutesOptions> = async (app, options) => {
  const { store } = options;
  const nowSeconds = (): number => Math.floor(options.now() / 1000);
  const localeOf = (request: FastifyRequest): Locale => pickLocale(undefined, request.headers['accept-language']);
  const sessionOf = (request: FastifyRequest) => readSession(request.session.get('profile'), nowSeconds());
  const perIpLimit = () => app.rateLimit({ max: options.limits.perIpPerMinute, timeWindow: 60_000 });
  // Per user: the profile session's sub (the handler asks only once the CSRF token checked).
  const userLimit = app.createRateLimit({
    max: options.limits.perUserPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const session = sessionOf(request);
      return session ? `sub:${session.sub}` : `ip:${request.ip}`;
    },
  });

  const unavailable = (request: FastifyRequest, reply: FastifyReply, locale: Locale, error: unknown) => {
    request.log.error({ err: { type: errorType(error) } }, 'management api failed');
    return sendPage(reply, locale, errorPage(locale, 'unavailable'));
  };
  const show = (request: FastifyRequest, reply: FastifyReply, target: DeletionTarget, state: DeleteState) => {
    const locale = localeOf(request);
    return sendPage(reply, locale, deletePage({ locale, target, csrfToken: reply.generateCsrf(), state }));
  };
  const audit = (request: FastifyRequest, line: DeletionAudit) => request.log.info(line, 'account deletion');

  app.get('/profile/delete', { onRequest: perIpLimit() }, async (request, reply) => {
    const session = sessionOf(request);
    // Deleting needs a fresh sign-in anyway: one that returns here.
    if (!session) return reply.redirect(REAUTH_FOR_DELETE, 303);
    const locale = localeOf(request);
    let target: DeletionTarget | undefined;
    try {
      target = await readDeletionTarget(store, session.sub, nowSeconds());
    } catch (error) {
      return unavailable(request, reply, locale, error);
    }
    if (!target) {
      request.session.set('profile', undefined);
      return sendPage(reply, locale, errorPage(locale, 'notFound'));
    }
    return show(request, reply, target, signInIsRecent(session, nowSeconds()) ? 'confirm' : 'stale');
  });

  app.post<{ Body: { confirm?: unknown; listed?: unknown } }>(
    '/profile/delete',
    {
      onRequest: perIpLimit(),
      preHandler: (request, reply, done) => app.csrfProtection(request, reply, done),
    },
    async (request, reply) => {
      const session = sessionOf(request);
      if (!session) return reply.redirect(REAUTH_FOR_DELETE, 303);
      const locale = localeOf(request);
      const limit = await userLimit(request);
      if (!limit.isAllowed && limit.isExceeded) return sendPage(reply, locale, errorPage(locale, 'tooMany'));
      let target: DeletionTarget | undefined;
      try {
        target = await readDeletionTarget(store, session.sub, nowSeconds());
      } catch (error) {
        return unavailable(request, reply, locale, error);
      }
      const digest = userIdDigest(session.sub);
      if (!target) {
        // Deleted by an earlier attempt whose answer was lost: the primary goes last, so nothing is left.
        audit(request, { audit: 'account_deletion', user: digest, outcome: 'already_deleted', identities_removed: 0 });
        request.session.delete();
        return sendPage(reply, locale, deletedPage(locale));
      }
      if (!signInIsRecent(session, nowSeconds())) return show(request, reply, target, 'stale');
      if (!isConfirmed(request.body?.confirm)) return show(request, reply, target, 'unconfirmed');
      // Nothing the page did not list: an identity linked or a leftover found since, deletes nothing.
      if (request.body?.listed !== listingDigest(target)) return show(request, reply, target, 'changed');

      const result = await runDeletion(store, planDeletion(target, nowSeconds()));
      if (result.outcome === 'failed') {
        audit(request, {
          audit: 'account_deletion',
          user: digest,
          outcome: 'failed',
          identities_removed: result.usersDeleted,
          failed_step: result.failedStep,
        });
        request.log.error({ err: { type: errorType(result.error) } }, 'management api failed');
        // The page lists what is left (its form then finishes the deletion), or, if that cannot be
        // read, what was listed: a post that differs deletes nothing.
        const left = await readDeletionTarget(store, session.sub, nowSeconds()).catch(() => undefined);
        return show(request, reply, left ?? target, 'failed');
      }
      audit(request, {
        audit: 'account_deletion',
        user: digest,
        outcome: 'deleted',
        identities_removed: result.usersDeleted,
      });
      // The user is gone: the whole session goes (profile, CSRF secret).
      request.session.delete();
      return sendPage(reply, locale, deletedPage(locale));
    },
  );
};
