import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { strictObject, string, stringEnum, boolean } from '../management-api/schema';
import type { LoginEngine } from './engine';
import { sendPage as sendHtmlPage } from './page-reply';
import { errorPage, resultPage, type SafeHtml } from './pages';
import type { EngineResult } from './engine';
import { LOGIN_FLOWS, type LoginRequest, type LoginResponse, type PageError } from './types';

/**
 * Sandbox logins over HTTP:
 * - `POST /sandbox/login` (JSON API, bootstrap deploy client only: it mints ID tokens for any user);
 * - `GET|POST /continue` resumes a login suspended by a redirect (bound by its `state`), with the
 *   answer of the Action's page (the account service's, account/). Browsers get HTML; API clients
 *   (no `text/html` in Accept) get JSON.
 */

export interface LoginRoutesOptions {
  engine: LoginEngine;
  endpoint: () => { domain: string };
  /** Guards POST /sandbox/login (see admin.ts). */
  requireDeployClient: (request: FastifyRequest) => Promise<void>;
  /** A login started at /authorize finishes there (code to the callback, SSO session). */
  resumeAuthorization?: (request: FastifyRequest, reply: FastifyReply, result: EngineResult) => FastifyReply;
  /** Whether this request may resume the suspended login (an authorization's must come from the browser that started it). */
  continueAllowed?: (request: FastifyRequest, state: string) => boolean;
}

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
  const { engine } = options;
  const origin = (): string => `https://${options.endpoint().domain}`;

  const sendPage = (reply: FastifyReply, status: number, title: string, body: SafeHtml): FastifyReply =>
    sendHtmlPage(reply, { status, title, body, origin: origin() });

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
};

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function strings(fields: Fields): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
