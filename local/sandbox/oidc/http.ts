import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendPage } from '../login/page-reply';
import { contentSecurityPolicy, errorPage, htmlDocument } from '../login/pages';
import { formPostPage } from './pages';
import type { BrowserRequest, FlowAnswer } from './flow';
import type { AuthorizationTransaction } from './store';
import { TRANSACTION_COOKIE_OPTIONS, transactionCookieName } from './transaction-cookies';

/** What the OIDC routes share: cookies, the answer to a flow step, error pages, request fields. */

/** The SSO session, as Auth0 names its cookie. */
export const SESSION_COOKIE = 'auth0';
/** The login pages' forms are small. */
export const FORM_BODY_LIMIT = 16 * 1024;
/**
 * The longest value each login page field takes, in characters: an email address as RFC 5321
 * allows, a password as Auth0's older password-strength page capped it, a username as the
 * Management API does, a name as the user profile does; any other field gets FIELD_LIMIT.
 */
export const FIELD_LIMITS: ReadonlyMap<string, number> = new Map([
  ['email', 320],
  ['password', 128],
  ['username', 128],
  ['name', 300],
]);
export const FIELD_LIMIT = 2048;

/** The first field longer than its limit, by a name safe to show (an unknown field's own name is not). */
export function oversizedField(fields: Fields): { name: string; limit: number } | undefined {
  for (const [name, value] of Object.entries(fields)) {
    const limit = FIELD_LIMITS.get(name) ?? FIELD_LIMIT;
    if (name.length > FIELD_LIMIT || (typeof value === 'string' && value.length > limit))
      return { name: FIELD_LIMITS.has(name) ? name : 'a form field', limit };
  }
  return undefined;
}

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

/** A flow step's answer: a redirect or a form_post page (with the session cookie, or a new transaction's), or an error page. */
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
    reply.setCookie(transactionCookieName(result.transaction.id), result.transaction.secret, {
      ...TRANSACTION_COOKIE_OPTIONS,
      expires: new Date(result.transaction.expires_at),
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

/**
 * Fastify's clientErrorHandler, for requests Node refuses before any route runs. A request head
 * (address and headers) over Node's 16 KB limit, such as an /authorize URL with a 100 kB `state`,
 * gets an error page (431) instead of Fastify's JSON; other client errors get Fastify's answers.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const nonce = randomBytes(16).toString('base64');
  const [status, headers, body] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': contentSecurityPolicy(nonce, "'self'"),
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'DENY',
          },
          htmlDocument(
            'Request too large',
            nonce,
            errorPage(
              'Request too large',
              'The address or the headers of this request are longer than 16 KB: go back to the application and log in again.',
            ),
          ),
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [
            408,
            { 'content-type': 'application/json' },
            '{"error":"Request Timeout","message":"Client Timeout","statusCode":408}',
          ]
        : [
            400,
            { 'content-type': 'application/json' },
            '{"error":"Bad Request","message":"Client Error","statusCode":400}',
          ];
  if (socket.writable) {
    const head = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
