import { actionPageBodySchema, actionPageQuerySchema } from '../security/action-page';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { MESSAGES, pickLocale, type Locale } from '../i18n';
import type { TenantLogin } from '../oidc/tenant-login';
import { continuePage, errorPage, sendPage } from '../pages';
import { contentSecurityPolicy } from '../security/web';
import { forget, readPending, remember, stateFor, tokenKey } from '../terms/pending';
import { linkPage, proofFailedPage } from './pages';
import { decideProof, readProof, type LinkProof } from './proof';
import { signLinkingAnswer, verifyLinkingToken, type LinkingAnswer, type LinkingRequest } from './session-token';

/**
 * The linking page prompt-account-linking redirects to (docs/account.md, "The linking page"):
 * - `GET /link?session_token&state[&ui_locales]`: the offered accounts, by kind only;
 * - `POST /link` (CSRF, rate limits): "Don't link" signs `{declined: true}`; "Sign in and link"
 *   starts the proof of control, a nested login to the tenant with this service's own client on
 *   the offered account's connection, `prompt=login`, `max_age=0`;
 * - `GET /link/callback`: the nested login's answer; `{link_to}` is signed only when the verified
 *   ID token's `sub` is exactly the offered account the user chose.
 */

export interface LinkingRoutesOptions {
  secret: string;
  tenantOrigin: string;
  /** The service's public origin: the nested login's redirect_uri is `<it>/link/callback`. */
  baseUrl: string;
  login: TenantLogin;
  now: () => number;
  limits: { perIpPerMinute: number; perUserPerMinute: number };
}

const PENDING_KEY = 'pendingLinks';

/** The linking page again, for another try after a failed proof (a same-site navigation). */
function linkingPageUrl(proof: LinkProof): string {
  const query = new URLSearchParams({ session_token: proof.token, state: proof.state });
  if (proof.uiLocales !== undefined) query.set('ui_locales', proof.uiLocales);
  return `/link?${query.toString()}`;
}
const PROOF_KEY = 'linkProof';
export const CALLBACK_PATH = '/link/callback';
/** The proof must be a sign-in made for it: max_age=0 with prompt=login. */
const PROOF_MAX_AGE = 0;

const querySchema = actionPageQuerySchema;
const bodySchema = actionPageBodySchema(['prove', 'decline'], {
  candidate: { type: 'string', minLength: 1, maxLength: 256 },
});

const callbackSchema = {
  type: 'object',
  properties: {
    code: { type: 'string', maxLength: 2048 },
    state: { type: 'string', maxLength: 512 },
    error: { type: 'string', maxLength: 256 },
    error_description: { type: 'string', maxLength: 2048 },
  },
} as const;

interface Query {
  session_token: string;
  state: string;
  ui_locales?: string;
}
interface Body extends Query {
  answer: 'prove' | 'decline';
  candidate?: string;
  _csrf?: string;
}

export const linkingRoutes: FastifyPluginAsync<LinkingRoutesOptions> = async (app, options) => {
  const { secret } = options;
  const nowSeconds = (): number => Math.floor(options.now() / 1000);
  // Forms post to this service only, but "Sign in and link" is followed by redirects to the
  // tenant and on to the account's identity provider (e.g. Google), which form-action would block.
  const noFormAction = { contentSecurityPolicy: contentSecurityPolicy(options.tenantOrigin, { formAction: false }) };

  const verified = (reply: FastifyReply, token: string, locale: Locale): LinkingRequest | undefined => {
    const result = verifyLinkingToken(token, secret, options.now());
    if (result.ok) return result.request;
    sendPage(reply, locale, errorPage(locale, result.problem === 'expired' ? 'expired' : 'invalidLink'));
    return undefined;
  };

  const showPage = (
    reply: FastifyReply,
    locale: Locale,
    input: { request: LinkingRequest; token: string; state: string; uiLocales: string | undefined },
  ): FastifyReply =>
    sendPage(
      reply,
      locale,
      linkPage({
        messages: MESSAGES[locale],
        candidates: input.request.candidates,
        sessionToken: input.token,
        state: input.state,
        csrfToken: reply.generateCsrf(),
        uiLocales: input.uiLocales,
      }),
    );

  /** The signed answer, on its way to /continue. */
  const answer = (
    reply: FastifyReply,
    locale: Locale,
    input: { sub: string; state: string; answer: LinkingAnswer },
  ): FastifyReply => {
    const signed = signLinkingAnswer({
      secret,
      sub: input.sub,
      state: input.state,
      answer: input.answer,
      nowMs: options.now(),
    });
    const messages = MESSAGES[locale];
    return sendPage(
      reply,
      locale,
      continuePage({
        messages,
        title: 'link_to' in input.answer ? messages.linked : messages.notLinked,
        continueUrl: `${options.tenantOrigin}/continue`,
        state: input.state,
        answer: signed,
      }),
    );
  };

  app.get<{ Querystring: Query }>(
    '/link',
    { schema: { querystring: querySchema }, helmet: noFormAction },
    async (request, reply) => {
      const { session_token: token, state, ui_locales: uiLocales } = request.query;
      const locale = pickLocale(uiLocales, request.headers['accept-language']);
      const linking = verified(reply, token, locale);
      if (!linking) return reply;
      const pending = remember(
        readPending(request.session.get(PENDING_KEY)),
        { token: tokenKey(token), state, exp: linking.exp },
        nowSeconds(),
      );
      request.session.set(PENDING_KEY, pending);
      return showPage(reply, locale, { request: linking, token, state, uiLocales });
    },
  );

  // Per user: keyed by the `sub` of the Action's token; the handler asks only once it verified.
  const userLimit = app.createRateLimit({
    max: options.limits.perUserPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const result = verifyLinkingToken((request.body as Body).session_token, secret, options.now());
      return result.ok ? `sub:${result.request.sub}` : `ip:${request.ip}`;
    },
  });

  app.post<{ Body: Body }>(
    '/link',
    {
      schema: { body: bodySchema },
      helmet: noFormAction,
      onRequest: app.rateLimit({ max: options.limits.perIpPerMinute, timeWindow: 60_000 }),
      preHandler: (request, reply, done) => app.csrfProtection(request, reply, done),
    },
    async (request, reply) => {
      const { session_token: token, state, ui_locales: uiLocales } = request.body;
      const locale = pickLocale(uiLocales, request.headers['accept-language']);
      const linking = verified(reply, token, locale);
      if (!linking) return reply;
      const limit = await userLimit(request);
      if (!limit.isAllowed && limit.isExceeded) return sendPage(reply, locale, errorPage(locale, 'tooMany'));
      if (stateFor(readPending(request.session.get(PENDING_KEY)), tokenKey(token), nowSeconds()) !== state)
        return sendPage(reply, locale, errorPage(locale, 'mismatch'));

      if (request.body.answer === 'decline') {
        request.session.set(PENDING_KEY, forget(readPending(request.session.get(PENDING_KEY)), tokenKey(token)));
        return answer(reply, locale, { sub: linking.sub, state, answer: { declined: true } });
      }

      const candidate = linking.candidates.find((offered) => offered.user_id === request.body.candidate);
      if (!candidate) return sendPage(reply, locale, errorPage(locale, 'notOffered'));
      let started: Awaited<ReturnType<TenantLogin['start']>>;
      try {
        started = await options.login.start({
          redirectUri: `${options.baseUrl}${CALLBACK_PATH}`,
          connection: candidate.connection,
          prompt: 'login',
          maxAge: PROOF_MAX_AGE,
        });
      } catch (error) {
        request.log.error({ err: { type: (error as Error).name } }, 'tenant discovery failed');
        return sendPage(reply, locale, errorPage(locale, 'unavailable'));
      }
      const proof: LinkProof = {
        token,
        sub: linking.sub,
        exp: linking.exp,
        state,
        candidate: candidate.user_id,
        ...(uiLocales === undefined ? {} : { uiLocales }),
        checks: started.checks,
      };
      request.loginSession.set(PROOF_KEY, proof);
      return reply.redirect(started.url, 303);
    },
  );

  app.get<{ Querystring: { code?: string; state?: string; error?: string } }>(
    CALLBACK_PATH,
    {
      schema: { querystring: callbackSchema },
      helmet: noFormAction,
      onRequest: app.rateLimit({ max: options.limits.perIpPerMinute, timeWindow: 60_000 }),
    },
    async (request, reply) => {
      // Used once: the login cookie is deleted before anything else, so a replayed callback finds
      // no proof. The Strict session is not sent on this cross-site navigation and is not touched.
      const proof = readProof(request.loginSession.get(PROOF_KEY));
      request.loginSession.delete();
      const locale = pickLocale(proof?.uiLocales, request.headers['accept-language']);
      if (!proof) return sendPage(reply, locale, errorPage(locale, 'mismatch'));
      const messages = MESSAGES[locale];
      const failed = (status: number, message: string): FastifyReply =>
        sendPage(reply, locale, proofFailedPage({ messages, status, message, back: linkingPageUrl(proof) }));

      let sub: string;
      try {
        ({ sub } = await options.login.finish(new URL(request.url, options.baseUrl), proof.checks, PROOF_MAX_AGE));
      } catch (error) {
        // Cancelled, denied by the tenant, or a response that does not verify: nothing signed.
        request.log.warn({ err: { type: (error as Error).name } }, 'proof sign-in failed');
        return failed(400, messages.linkSignInFailed);
      }
      const outcome = decideProof(proof, sub, options.now());
      if (outcome.kind === 'refuse') {
        if (outcome.why === 'expired') return sendPage(reply, locale, errorPage(locale, 'expired'));
        request.log.warn('proof sign-in returned another account');
        return failed(403, messages.linkAnotherAccount);
      }
      return answer(reply, locale, { sub: proof.sub, state: proof.state, answer: { link_to: outcome.linkTo } });
    },
  );
};
