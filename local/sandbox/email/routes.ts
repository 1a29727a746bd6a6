import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors';
import type { Store, User } from '../store';
import type { TicketRefusal } from '../store/tickets';
import { RESET_PASSWORD_PATH, resultRedirect, UNBLOCK_PATH, VERIFY_EMAIL_PATH } from './links';
import type { Mailer } from './mailer';
import type { Outbox } from './outbox';
import { changePasswordPage, donePage, errorPage, outboxPage } from './pages';
import { passwordPolicyRules } from './password-policy';

export interface EmailRoutesOptions {
  store: Store;
  outbox: Outbox;
  mailer: Mailer;
  /** A password change through the link ends the user's SSO sessions, as on Auth0. */
  endSessions: (userId: string) => void;
  endpoint: () => { domain: string };
  /** Bearer-token check for the bootstrap deploy client (see admin.ts). */
  requireDeployClient: (request: FastifyRequest) => Promise<void>;
  deployClientId: () => string;
}

// Auth0's messages on the result URL.
const VERIFIED_MESSAGE = 'Your email was verified. You can continue using the application.';
const PASSWORD_CHANGED_MESSAGE = 'You can now login to the application with the new password.';

/** Ticket ids are 32 alphanumerics (store/ids.ts); anything else is forged without a lookup. */
const TICKET_ID = /^[A-Za-z0-9]{32}$/;
const MAX_PASSWORD_LENGTH = 1024;
const FORM_BODY_LIMIT = 16 * 1024;

const REFUSALS: Record<TicketRefusal, { status: number; title: string; message: string }> = {
  unknown: {
    status: 404,
    title: 'Invalid link',
    message: 'This link is not valid. Check that you copied all of it, or ask for a new email.',
  },
  used: {
    status: 410,
    title: 'Link already used',
    message: 'This link has already been used, or a newer one was sent. Ask for a new email.',
  },
  expired: { status: 410, title: 'Link expired', message: 'This link has expired. Ask for a new email.' },
};

/**
 * The email half of the sandbox over HTTP:
 * - the outbox (`GET /sandbox/outbox`, `/sandbox/outbox.json?to=`, `/sandbox/outbox/{id}`), for the
 *   bootstrap deploy client only: Bearer token, or HTTP Basic with its id and secret in a browser
 *   (the emails hold reset links, i.e. every account's password);
 * - the pages behind the links: `GET /u/email-verification`, `GET|POST /u/reset-verify` and
 *   `GET /u/unblock`.
 */
export const emailRoutes: FastifyPluginAsync<EmailRoutesOptions> = async (app, options) => {
  await app.register(outboxRoutes, options);
  await app.register(linkRoutes, options);
};

const outboxRoutes: FastifyPluginAsync<EmailRoutesOptions> = async (app, options) => {
  const { outbox, store } = options;

  app.addHook('onRequest', async (request, reply) => {
    const authorization = request.headers.authorization ?? '';
    if (/^bearer /i.test(authorization)) return options.requireDeployClient(request);
    if (/^basic /i.test(authorization) && basicIsDeployClient(authorization, options.deployClientId(), store))
      return undefined;
    return reply
      .code(401)
      .header('www-authenticate', 'Basic realm="Auth0 sandbox outbox", charset="UTF-8"')
      .send(
        new ApiError(
          401,
          'The outbox needs the sandbox deploy client: a Bearer token, or HTTP Basic with its client id and secret',
        ).body,
      );
  });

  app.get<{ Querystring: { to?: string } }>(
    '/sandbox/outbox.json',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { to: { type: 'string', maxLength: 320 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => outbox.list(request.query.to !== undefined ? { to: request.query.to } : {}),
  );

  app.get<{ Querystring: { to?: string } }>(
    '/sandbox/outbox',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { to: { type: 'string', maxLength: 320 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { to } = request.query;
      return sendPage(reply, 200, (nonce) =>
        outboxPage(nonce, outbox.list({ ...(to !== undefined ? { to } : {}), limit: 200 }), to),
      );
    },
  );

  // One email's HTML as it would reach the inbox, sandboxed: no script, no request leaves the page.
  app.get<{ Params: { id: string } }>('/sandbox/outbox/:id', async (request, reply) => {
    const email = outbox.get(request.params.id);
    if (!email) return reply.code(404).send(new ApiError(404, 'No such email in the outbox').body);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(email.html);
  });
};

const linkRoutes: FastifyPluginAsync<EmailRoutesOptions> = async (app, options) => {
  const { store, mailer } = options;
  const origin = (): string => `https://${options.endpoint().domain}`;

  const refuse = (reply: FastifyReply, refusal: TicketRefusal): FastifyReply => {
    const { status, title, message } = REFUSALS[refusal];
    return sendPage(reply, status, (nonce) => errorPage(nonce, title, message));
  };

  // Errors on these pages (an oversized form, a malformed body) are pages too, not JSON.
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const message =
      status === 413
        ? 'The form sent is too large.'
        : status < 500
          ? 'The request could not be understood.'
          : 'Something went wrong.';
    if (status === 500)
      process.stderr.write(`sandbox: unexpected error on an email link page: ${error.stack ?? error.message}\n`);
    return sendPage(reply, status, (nonce) => errorPage(nonce, 'Request refused', message));
  });

  app.get<{ Querystring: Record<string, unknown> }>(VERIFY_EMAIL_PATH, async (request, reply) => {
    const id = request.query.ticket;
    if (typeof id !== 'string' || !TICKET_ID.test(id)) return refuse(reply, 'unknown');
    const used = store.tickets.use(id, 'email_verification', (ticket) => {
      const before = store.users.require(ticket.user_id);
      return {
        before,
        after: before.email_verified ? before : store.users.update(ticket.user_id, { email_verified: true }),
      };
    });
    if (!used.ok) return refuse(reply, used.refusal);
    const {
      ticket,
      result: { before, after },
    } = used;
    store.logs.record({
      type: 'sv',
      description: 'Email verified',
      user_id: after.user_id,
      user_name: after.email ?? '',
      ip: request.ip,
      user_agent: request.headers['user-agent'] ?? '',
      ...(ticket.options.client_id !== undefined ? { client_id: ticket.options.client_id } : {}),
    });
    // Auth0 welcomes a user once their email is verified (welcome_email).
    if (!before.email_verified)
      mailer.sendEmail({ template: 'welcome_email', user: after, ...clientOf(ticket.options) });
    return finish(
      reply,
      ticket.result_url,
      ticket.options.include_email !== false ? after : undefined,
      'Email verified',
      VERIFIED_MESSAGE,
    );
  });

  app.get<{ Querystring: Record<string, unknown> }>(UNBLOCK_PATH, async (request, reply) => {
    const id = request.query.ticket;
    if (typeof id !== 'string' || !TICKET_ID.test(id)) return refuse(reply, 'unknown');
    const used = store.tickets.use(id, 'account_unblock', (ticket) => store.users.clearBlocks(ticket.user_id));
    if (!used.ok) return refuse(reply, used.refusal);
    return sendPage(reply, 200, (nonce) =>
      donePage(nonce, 'Account unblocked', 'Your account is unblocked: you can log in again.'),
    );
  });

  app.get<{ Querystring: Record<string, unknown> }>(RESET_PASSWORD_PATH, async (request, reply) => {
    const id = request.query.ticket;
    if (typeof id !== 'string' || !TICKET_ID.test(id)) return refuse(reply, 'unknown');
    const usable = store.tickets.usable(id, 'password_change');
    if (!usable.ok) return refuse(reply, usable.refusal);
    return sendPage(reply, 200, (nonce) => changePasswordPage(nonce, view(usable.ticket.user_id, id)));
  });

  app.post<{ Body: Record<string, unknown> | undefined }>(
    RESET_PASSWORD_PATH,
    { bodyLimit: FORM_BODY_LIMIT },
    async (request, reply) => {
      // Cross-site posts are refused outright; the ticket in the form is the per-user secret token.
      const fetchSite = request.headers['sec-fetch-site'];
      const sentOrigin = request.headers.origin;
      if (
        (sentOrigin !== undefined && sentOrigin !== origin()) ||
        (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none')
      ) {
        return sendPage(reply, 403, (nonce) =>
          errorPage(nonce, 'Request refused', 'This form can only be sent from its own page.'),
        );
      }
      const body = request.body ?? {};
      const { ticket: id, newPassword, confirmNewPassword } = body;
      if (typeof id !== 'string' || !TICKET_ID.test(id)) return refuse(reply, 'unknown');
      const usable = store.tickets.usable(id, 'password_change');
      if (!usable.ok) return refuse(reply, usable.refusal);
      const retry = (status: number, error: string): FastifyReply =>
        sendPage(reply, status, (nonce) => changePasswordPage(nonce, { ...view(usable.ticket.user_id, id), error }));
      if (typeof newPassword !== 'string' || newPassword === '' || typeof confirmNewPassword !== 'string')
        return retry(400, 'Enter the new password twice.');
      if (newPassword.length > MAX_PASSWORD_LENGTH || confirmNewPassword.length > MAX_PASSWORD_LENGTH) {
        return retry(400, `The password is too long (at most ${MAX_PASSWORD_LENGTH} characters).`);
      }
      if (newPassword !== confirmNewPassword) return retry(400, 'The two passwords are not the same.');
      let used;
      try {
        used = store.tickets.use(id, 'password_change', (ticket) => {
          const user = store.users.update(ticket.user_id, {
            password: newPassword,
            ...(ticket.options.mark_email_as_verified ? { email_verified: true } : {}),
          });
          // A password change also lifts brute-force blocks and ends the user's sessions, as on Auth0.
          store.users.clearBlocks(ticket.user_id);
          options.endSessions(ticket.user_id);
          return user;
        });
      } catch (error) {
        if (error instanceof ApiError && error.statusCode === 400)
          return retry(400, 'This password does not meet the requirements below.');
        throw error;
      }
      if (!used.ok) return refuse(reply, used.refusal);
      const { ticket, result: user } = used;
      store.logs.record({
        type: 'scp',
        description: 'Password changed',
        user_id: user.user_id,
        user_name: user.email ?? '',
        ip: request.ip,
        user_agent: request.headers['user-agent'] ?? '',
        ...(ticket.options.client_id !== undefined ? { client_id: ticket.options.client_id } : {}),
      });
      return finish(
        reply,
        ticket.result_url,
        ticket.options.include_email !== false ? user : undefined,
        'Password changed',
        PASSWORD_CHANGED_MESSAGE,
      );
    },
  );

  function view(
    userId: string,
    ticket: string,
  ): { action: string; ticket: string; email: string; policy: string[]; maxLength: number } {
    const user = store.users.require(userId);
    const database = user.identities.find((identity) => identity.provider === 'auth0');
    return {
      action: RESET_PASSWORD_PATH,
      ticket,
      email: user.email ?? '',
      policy: passwordPolicyRules(database ? store.connections.getByName(database.connection) : undefined),
      maxLength: MAX_PASSWORD_LENGTH,
    };
  }
};

/** To the result URL with Auth0's success message, or a page saying it worked when there is none. */
function finish(
  reply: FastifyReply,
  resultUrl: string | undefined,
  emailOf: User | undefined,
  title: string,
  message: string,
): FastifyReply {
  const target =
    resultUrl === undefined
      ? undefined
      : resultRedirect(resultUrl, { success: true, message, ...(emailOf?.email ? { email: emailOf.email } : {}) });
  if (target !== undefined)
    return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(target, 302);
  return sendPage(reply, 200, (nonce) => donePage(nonce, title, message));
}

function clientOf(options: { client_id?: string }): { clientId?: string } {
  return options.client_id !== undefined ? { clientId: options.client_id } : {};
}

function sendPage(reply: FastifyReply, status: number, render: (nonce: string) => string): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return (
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header(
        'content-security-policy',
        `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      )
      // Link URLs carry tickets: keep them out of caches and Referer headers.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .send(render(nonce))
  );
}

function basicIsDeployClient(authorization: string, deployClientId: string, store: Store): boolean {
  const decoded = Buffer.from(authorization.slice('basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || deployClientId === '') return false;
  const id = decoded.slice(0, colon);
  const secret = store.clients.get(deployClientId)?.client_secret;
  if (id !== deployClientId || secret === undefined) return false;
  const given = Buffer.from(decoded.slice(colon + 1));
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
