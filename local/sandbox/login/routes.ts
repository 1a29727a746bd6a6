import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { strictObject, string, stringEnum, boolean } from '../management-api/schema';
import type { Store } from '../store';
import { USER_BLOCKED } from './authenticate';
import type { LoginEngine } from './engine';
import { readCandidates, readSession, type Candidate } from './page-session';
import { sendPage as sendHtmlPage } from './page-reply';
import {
  continuePage,
  errorPage,
  linkPage,
  resultPage,
  termsPage,
  type LinkCandidateView,
  type SafeHtml,
} from './pages';
import type { EngineResult } from './engine';
import { LOGIN_FLOWS, type LoginRequest, type LoginResponse, type PageAnswer, type PageError } from './types';

/**
 * Sandbox logins over HTTP:
 * - `POST /sandbox/login` (JSON API, bootstrap deploy client only: it mints ID tokens for any user);
 * - `GET|POST /continue` resumes a login suspended by a redirect (bound by its `state`);
 * - the reference pages `GET|POST /pages/terms` and `GET|POST /pages/link`, which do what a
 *   customer's pages must do: verify the Action's session token, ask the user, then sign the answer
 *   for the same `sub` and `state` with the SESSION_TOKEN_SECRET deployed in that Action, and post
 *   it back to /continue. Browsers get HTML; API clients (no `text/html` in Accept) get JSON.
 */

export interface LoginRoutesOptions {
  engine: LoginEngine;
  store: Store;
  endpoint: () => { domain: string };
  /** Guards POST /sandbox/login (see admin.ts). */
  requireDeployClient: (request: FastifyRequest) => Promise<void>;
  /** A login started at /authorize finishes there (code to the callback, SSO session). */
  resumeAuthorization?: (request: FastifyRequest, reply: FastifyReply, result: EngineResult) => FastifyReply;
  /** Whether this request may resume the suspended login (an authorization's must come from the browser that started it). */
  continueAllowed?: (request: FastifyRequest, state: string) => boolean;
  /** The callback origin of the authorization a suspended login (by its `state`) belongs to. */
  callbackOrigin?: (state: string) => string | undefined;
}

// The Actions whose pages these are.
const TERMS_ACTION = 'enforce-terms';
const LINKING_ACTION = 'prompt-account-linking';

const profileSchema = strictObject(
  {
    sub: string({ minLength: 1, maxLength: 255 }),
    email: string({ maxLength: 320 }),
    email_verified: boolean,
    name: string({ maxLength: 300 }),
    given_name: string({ maxLength: 150 }),
    family_name: string({ maxLength: 150 }),
    nickname: string({ maxLength: 300 }),
    picture: string({ maxLength: 2048 }),
  },
  ['sub'],
);

const loginBody = strictObject(
  {
    client: string({ minLength: 1 }),
    connection: string({ minLength: 1 }),
    flow: stringEnum(LOGIN_FLOWS),
    email: string({ minLength: 1, maxLength: 320 }),
    password: string({ minLength: 1, maxLength: 1024 }),
    profile: profileSchema,
    user: string({ minLength: 1, maxLength: 320 }),
    ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
  },
  ['client', 'connection', 'flow'],
);

type Fields = Record<string, unknown>;

export const loginRoutes: FastifyPluginAsync<LoginRoutesOptions> = async (app, options) => {
  const { engine, store } = options;
  const origin = (): string => `https://${options.endpoint().domain}`;
  const continueUrl = (): string => `${origin()}/continue`;

  /** The origin of the OIDC callback a suspended login ends at (its pages' forms are redirected there). */
  const callbackOrigins = (state: string | undefined): string[] => {
    const origin = state === undefined ? undefined : options.callbackOrigin?.(state);
    return origin === undefined ? [] : [origin];
  };
  const sendPage = (
    reply: FastifyReply,
    status: number,
    title: string,
    body: SafeHtml,
    script?: string,
    state?: string,
  ): FastifyReply =>
    sendHtmlPage(reply, {
      status,
      title,
      body,
      origin: origin(),
      redirectOrigins: callbackOrigins(state),
      ...(script !== undefined ? { script } : {}),
    });

  const fail = (request: FastifyRequest, reply: FastifyReply, status: number, error: PageError): FastifyReply =>
    wantsHtml(request)
      ? sendPage(reply, status, 'Login error', errorPage('Login error', `${error.error}: ${error.error_description}`))
      : reply.code(status).send(error);

  const answerLogin = (request: FastifyRequest, reply: FastifyReply, response: LoginResponse): FastifyReply => {
    if (!wantsHtml(request)) return reply.send(response);
    if (response.outcome === 'redirect') return reply.header('cache-control', 'no-store').redirect(response.url, 302);
    return sendPage(
      reply,
      response.outcome === 'allowed' ? 200 : 403,
      response.outcome === 'allowed' ? 'Login allowed' : 'Login denied',
      resultPage(response),
    );
  };

  /** The signed answer goes to /continue: as a self-submitting form for a browser, as JSON otherwise. */
  const sendAnswer = (
    request: FastifyRequest,
    reply: FastifyReply,
    state: string,
    sessionToken: string,
    message: string,
  ): FastifyReply => {
    const url = continueUrl();
    if (!wantsHtml(request)) {
      const answer: PageAnswer = { continue: { url, method: 'POST', fields: { state, session_token: sessionToken } } };
      return reply.send(answer);
    }
    const page = continuePage({ continueUrl: url, state, sessionToken, message });
    return sendPage(reply, 200, message, page.body, page.script, state);
  };

  app.post<{ Body: LoginRequest }>(
    '/sandbox/login',
    { onRequest: options.requireDeployClient, schema: { body: loginBody } },
    async (request) => engine.login(request.body),
  );

  app.route<{ Querystring: Fields; Body: Fields | undefined }>({
    method: ['GET', 'POST'],
    url: '/continue',
    handler: async (request, reply) => {
      const query = request.query ?? {};
      const body = request.body ?? {};
      const state = body.state ?? query.state;
      if (typeof state !== 'string' || state === '') {
        return fail(request, reply, 400, {
          error: 'invalid_request',
          error_description: 'The /continue request has no state parameter',
        });
      }
      if (options.continueAllowed && !options.continueAllowed(request, state)) {
        return fail(request, reply, 400, {
          error: 'invalid_request',
          error_description: 'This login was started in another browser: start the login again',
        });
      }
      const result = await engine.continue(state, {
        method: request.method === 'POST' ? 'POST' : 'GET',
        query: strings(query),
        body,
      });
      if (!result) {
        return fail(request, reply, 400, {
          error: 'invalid_request',
          error_description: 'The state parameter is unknown, already used or expired: start the login again',
        });
      }
      if (result.transactionId !== undefined && options.resumeAuthorization)
        return options.resumeAuthorization(request, reply, result);
      return answerLogin(request, reply, result.response);
    },
  });

  app.get<{ Querystring: Fields }>('/pages/terms', async (request, reply) => {
    const session = readSession(store, TERMS_ACTION, request.query);
    if (!session.ok) return sendPage(reply, session.status, session.title, errorPage(session.title, session.message));
    const version: unknown = session.claims.terms_version;
    if (typeof version !== 'string')
      return sendPage(
        reply,
        400,
        'Invalid link',
        errorPage('Invalid link', 'This link does not name a terms version.'),
      );
    return sendPage(
      reply,
      200,
      'Terms and Conditions',
      termsPage({ version, state: session.state, sessionToken: session.token }),
    );
  });

  app.post<{ Body: Fields | undefined }>('/pages/terms', async (request, reply) => {
    const body = request.body ?? {};
    const session = readSession(store, TERMS_ACTION, body);
    if (!session.ok)
      return fail(request, reply, session.status, { error: 'invalid_request', error_description: session.message });
    const version: unknown = session.claims.terms_version;
    if (typeof version !== 'string')
      return fail(request, reply, 400, {
        error: 'invalid_request',
        error_description: 'The session token names no terms version',
      });
    if (body.answer !== 'accept' && body.answer !== 'decline') {
      return fail(request, reply, 400, {
        error: 'invalid_request',
        error_description: 'answer must be accept or decline',
      });
    }
    const accepted = body.answer === 'accept';
    // The version the user was shown, not the current one: enforce-terms refuses a stale acceptance.
    return sendAnswer(
      request,
      reply,
      session.state,
      session.sign({ accepted, terms_version: version }),
      accepted ? 'Terms accepted' : 'Terms declined',
    );
  });

  app.get<{ Querystring: Fields }>('/pages/link', async (request, reply) => {
    const session = readSession(store, LINKING_ACTION, request.query);
    if (!session.ok) return sendPage(reply, session.status, session.title, errorPage(session.title, session.message));
    const candidates = readCandidates(session.claims);
    if (!candidates)
      return sendPage(
        reply,
        400,
        'Invalid link',
        errorPage('Invalid link', 'This link does not list accounts to link.'),
      );
    return sendPage(
      reply,
      200,
      'Link your accounts',
      linkPage({ candidates: candidateViews(candidates), state: session.state, sessionToken: session.token }),
    );
  });

  app.post<{ Body: Fields | undefined }>('/pages/link', async (request, reply) => {
    const body = request.body ?? {};
    const session = readSession(store, LINKING_ACTION, body);
    if (!session.ok)
      return fail(request, reply, session.status, { error: 'invalid_request', error_description: session.message });
    const candidates = readCandidates(session.claims);
    if (!candidates)
      return fail(request, reply, 400, {
        error: 'invalid_request',
        error_description: 'The session token lists no accounts to link',
      });
    if (body.decline === 'true' || body.decline === true) {
      return sendAnswer(request, reply, session.state, session.sign({ declined: true }), 'Accounts not linked');
    }

    // The proof of control: the user signs in to the offered account, as a login would.
    const { connection, email, password } = body;
    const retry = (status: number, error: PageError): FastifyReply => {
      if (!wantsHtml(request)) return reply.code(status).send(error);
      const page = linkPage({
        candidates: candidateViews(candidates),
        state: session.state,
        sessionToken: session.token,
        error: error.error_description,
        ...(typeof email === 'string' ? { email } : {}),
      });
      return sendPage(reply, status, 'Link your accounts', page);
    };
    const offered = candidates.filter(
      (candidate) => candidate.provider === 'auth0' && candidate.connection === connection,
    );
    if (typeof connection !== 'string' || offered.length === 0) {
      return retry(400, {
        error: 'invalid_request',
        error_description: 'Sign in to one of the offered database accounts.',
      });
    }
    if (typeof email !== 'string' || typeof password !== 'string' || email === '' || password === '') {
      return retry(400, {
        error: 'invalid_request',
        error_description: 'Enter the email and password of the other account.',
      });
    }
    const signedIn = engine.authenticator.databaseSignIn(connection, email, password, request.ip);
    if (!signedIn.ok)
      return retry(401, { error: signedIn.refusal.error, error_description: signedIn.refusal.description });
    if (signedIn.user.blocked)
      return retry(401, { error: USER_BLOCKED.error, error_description: USER_BLOCKED.description });
    if (!offered.some((candidate) => candidate.user_id === signedIn.user.user_id)) {
      return retry(403, {
        error: 'access_denied',
        error_description: 'That account is not one of the accounts offered for linking.',
      });
    }
    return sendAnswer(
      request,
      reply,
      session.state,
      session.sign({ link_to: signedIn.user.user_id }),
      'Accounts linked',
    );
  });
};

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function strings(fields: Fields): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function candidateViews(candidates: readonly Candidate[]): LinkCandidateView[] {
  return candidates.map((candidate) => ({ connection: candidate.connection, signIn: candidate.provider === 'auth0' }));
}
