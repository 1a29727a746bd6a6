import { actionPageBodySchema, actionPageQuerySchema } from '../security/action-page';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { MESSAGES, pickLocale, type Locale } from '../i18n';
import { errorPage, sendPage } from '../pages';
import { contentSecurityPolicy } from '../security/web';
import type { TermsContent } from './content';
import { termsContinuePage, termsPage } from './pages';
import { forget, readPending, remember, stateFor, tokenKey } from './pending';
import { signTermsAnswer, verifyTermsToken, type TermsRequest } from './session-token';

/**
 * `GET /terms?session_token&state[&ui_locales]`: the consent page enforce-terms redirects to.
 * `POST /terms`: the user's answer (CSRF-checked, rate-limited), signed and carried to /continue.
 * Nothing is signed unless the Action's token verifies, its `state` is the one this browser opened
 * the page with, and the version has content (the user saw the terms).
 */

export interface TermsRoutesOptions {
  content: TermsContent;
  secret: string;
  tenantOrigin: string;
  now: () => number;
  limits: { perIpPerMinute: number; perUserPerMinute: number };
}

const PENDING_KEY = 'pendingConsents';

const querySchema = actionPageQuerySchema;
const bodySchema = actionPageBodySchema(['accept', 'decline']);

interface Query {
  session_token: string;
  state: string;
  ui_locales?: string;
}
interface Body extends Query {
  answer: 'accept' | 'decline';
  _csrf?: string;
}

export const termsRoutes: FastifyPluginAsync<TermsRoutesOptions> = async (app, options) => {
  const { content, secret } = options;

  /** The verified request and its terms text, or the error page already sent. */
  const open = (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    locale: Locale,
  ): { request: TermsRequest; text: NonNullable<ReturnType<TermsContent['get']>> } | undefined => {
    const verified = verifyTermsToken(token, secret, options.now());
    if (!verified.ok) {
      sendPage(reply, locale, errorPage(locale, verified.problem === 'expired' ? 'expired' : 'invalidLink'));
      return undefined;
    }
    const text = content.get(verified.request.termsVersion);
    if (!text) {
      // The tenant's TERMS_VERSION has no content here: a deploy mistake, never a blank acceptance.
      request.log.error({ terms_version: verified.request.termsVersion }, 'no terms content for this version');
      sendPage(reply, locale, errorPage(locale, 'unavailable'));
      return undefined;
    }
    return { request: verified.request, text };
  };

  app.get<{ Querystring: Query }>('/terms', { schema: { querystring: querySchema } }, async (request, reply) => {
    const { session_token: token, state, ui_locales: uiLocales } = request.query;
    const locale = pickLocale(uiLocales, request.headers['accept-language']);
    const opened = open(request, reply, token, locale);
    if (!opened) return reply;
    const nowSeconds = Math.floor(options.now() / 1000);
    const pending = remember(
      readPending(request.session.get(PENDING_KEY)),
      { token: tokenKey(token), state, exp: opened.request.exp },
      nowSeconds,
    );
    request.session.set(PENDING_KEY, pending);
    return sendPage(
      reply,
      locale,
      termsPage({
        messages: MESSAGES[locale],
        version: opened.request.termsVersion,
        content: opened.text[locale],
        sessionToken: token,
        state,
        csrfToken: reply.generateCsrf(),
        uiLocales,
      }),
    );
  });

  // Per user: keyed by the `sub` of the Action's token; the handler asks only once it verified.
  const userLimit = app.createRateLimit({
    max: options.limits.perUserPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const verified = verifyTermsToken((request.body as Body).session_token, secret, options.now());
      return verified.ok ? `sub:${verified.request.sub}` : `ip:${request.ip}`;
    },
  });

  app.post<{ Body: Body }>(
    '/terms',
    {
      schema: { body: bodySchema },
      // Its pages have no user form: either an error, or the answer auto-posted to /continue.
      helmet: { contentSecurityPolicy: contentSecurityPolicy(options.tenantOrigin, { formAction: false }) },
      onRequest: app.rateLimit({ max: options.limits.perIpPerMinute, timeWindow: 60_000 }),
      preHandler: (request, reply, done) => app.csrfProtection(request, reply, done),
    },
    async (request, reply) => {
      const { session_token: token, state, answer, ui_locales: uiLocales } = request.body;
      const locale = pickLocale(uiLocales, request.headers['accept-language']);
      const opened = open(request, reply, token, locale);
      if (!opened) return reply;
      const limit = await userLimit(request);
      if (!limit.isAllowed && limit.isExceeded) return sendPage(reply, locale, errorPage(locale, 'tooMany'));
      const key = tokenKey(token);
      const pending = readPending(request.session.get(PENDING_KEY));
      if (stateFor(pending, key, Math.floor(options.now() / 1000)) !== state)
        return sendPage(reply, locale, errorPage(locale, 'mismatch'));

      const accepted = answer === 'accept';
      const signed = signTermsAnswer({
        secret,
        sub: opened.request.sub,
        state,
        accepted,
        termsVersion: opened.request.termsVersion,
        nowMs: options.now(),
      });
      request.session.set(PENDING_KEY, forget(pending, key));
      return sendPage(
        reply,
        locale,
        termsContinuePage({
          messages: MESSAGES[locale],
          accepted,
          continueUrl: `${options.tenantOrigin}/continue`,
          state,
          answer: signed,
        }),
      );
    },
  );
};
