import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendPage } from '../login/page-reply';
import { errorPage } from '../login/pages';
import { formPostPage } from './pages';
import type { BrowserRequest, FlowAnswer } from './flow';
import type { AuthorizationTransaction } from './store';

/** What the OIDC routes share: cookies, the answer to a flow step, error pages, request fields. */

/** The SSO session, as Auth0 names its cookie. */
export const SESSION_COOKIE = 'auth0';
/** Binds the login pages' forms, and /continue, to the browser that started the authorization. */
export const TRANSACTION_COOKIE = 'auth0_txn';
/** The login pages' forms are small. */
export const FORM_BODY_LIMIT = 16 * 1024;

export type Fields = Record<string, unknown>;

export function showError(
  reply: FastifyReply,
  origin: string,
  status: number,
  title: string,
  message: string,
): FastifyReply {
  return sendPage(reply, { status, title, body: errorPage(title, message), origin });
}

/** A flow step's answer: a redirect or a form_post page (with the session or transaction cookie), or an error page. */
export function answerFlow(reply: FastifyReply, origin: string, result: FlowAnswer): FastifyReply {
  if (result.type === 'error')
    return showError(reply, origin, result.status, 'Something went wrong', `${result.error}: ${result.description}`);
  if (result.type === 'retry')
    return showError(reply, origin, 400, 'Something went wrong', `${result.error}: ${result.description}`);
  if (result.session) {
    reply.setCookie(SESSION_COOKIE, result.session.id, {
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'none',
      expires: new Date(result.session.expires_at),
    });
  }
  if (result.type === 'form_post') {
    const page = formPostPage(result.action, result.fields);
    const target = new URL(result.action).origin;
    return sendPage(reply, {
      status: 200,
      title: 'Back to the application',
      body: page.body,
      script: page.script,
      origin,
      redirectOrigins: target === 'null' ? [] : [target],
    });
  }
  if (result.transaction)
    reply.setCookie(TRANSACTION_COOKIE, result.transaction, {
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    });
  return reply.header('cache-control', 'no-store').redirect(result.location, 302);
}

/** The origin of the transaction's redirect_uri (none for custom schemes, whose origin is opaque). */
export function callbackOrigin(transaction: AuthorizationTransaction): string[] {
  const { origin } = new URL(transaction.params.redirect_uri);
  return origin === 'null' ? [] : [origin];
}

export function browserOf(request: FastifyRequest): BrowserRequest {
  const language = request.headers['accept-language']?.split(',')[0]?.split(';')[0]?.trim();
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '', ...(language ? { language } : {}) };
}

export function strings(fields: Fields | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
