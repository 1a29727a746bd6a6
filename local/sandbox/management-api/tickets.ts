import { passwordChangeLink, verificationLink } from '../email';
import { badRequest, notFound } from '../errors';
import type { ApiContext, RouteModule } from './context';
import { anyObject, boolean, integer, string, strictObject } from './schema';

interface VerifyEmailBody {
  user_id: string;
  result_url?: string;
  client_id?: string;
  ttl_sec?: number;
  includeEmailInRedirect?: boolean;
}

interface PasswordChangeBody {
  user_id?: string;
  email?: string;
  connection_id?: string;
  result_url?: string;
  client_id?: string;
  ttl_sec?: number;
  mark_email_as_verified?: boolean;
  includeEmailInRedirect?: boolean;
}

// Auth0's ticket lifetime: 5 days by default, at most 30 days.
const DEFAULT_TTL = 432000;
const MAX_TTL = 2592000;
const ttl = integer({ minimum: 0, maximum: MAX_TTL });

/**
 * Tickets are links, not emails (Auth0 sends nothing: the caller delivers the URL). The links
 * are served by local/sandbox/email: single use, until ttl_sec runs out.
 */
export const registerTickets: RouteModule = (app, { store, endpoint }: ApiContext) => {
  app.post<{ Body: VerifyEmailBody }>(
    '/tickets/email-verification',
    {
      schema: {
        body: strictObject(
          {
            user_id: string({ minLength: 1 }),
            result_url: string(),
            client_id: string(),
            organization_id: string(),
            ttl_sec: ttl,
            includeEmailInRedirect: boolean,
            identity: anyObject,
          },
          ['user_id'],
        ),
      },
      config: { scopes: ['create:user_tickets'] },
    },
    async (request, reply) => {
      const {
        user_id: userId,
        result_url: resultUrl,
        client_id: clientId,
        ttl_sec: ttlSec,
        includeEmailInRedirect,
      } = request.body;
      const user = store.users.require(userId);
      if (!user.email) throw badRequest('The user does not have an email address.', 'invalid_user');
      if (clientId !== undefined) store.clients.require(clientId);
      const ticket = store.tickets.createTicket('email_verification', userId, ttlSec || DEFAULT_TTL, resultUrl, {
        include_email: includeEmailInRedirect !== false,
        ...(clientId !== undefined ? { client_id: clientId } : {}),
      });
      return reply.code(201).send({ ticket: verificationLink(endpoint().domain, ticket.id) });
    },
  );

  app.post<{ Body: PasswordChangeBody }>(
    '/tickets/password-change',
    {
      schema: {
        body: strictObject({
          user_id: string({ minLength: 1 }),
          email: string({ format: 'email' }),
          connection_id: string({ minLength: 1 }),
          result_url: string(),
          client_id: string(),
          organization_id: string(),
          ttl_sec: ttl,
          mark_email_as_verified: boolean,
          includeEmailInRedirect: boolean,
          identity: anyObject,
        }),
      },
      config: { scopes: ['create:user_tickets'] },
    },
    async (request, reply) => {
      const {
        user_id: userId,
        email,
        connection_id: connectionId,
        result_url: resultUrl,
        client_id: clientId,
        ttl_sec: ttlSec,
        mark_email_as_verified: markEmailAsVerified,
        includeEmailInRedirect,
      } = request.body;
      let targetId = userId;
      if (targetId === undefined) {
        if (!email || !connectionId) throw badRequest('Either user_id, or email and connection_id, are required.');
        const connection = store.connections.require(connectionId);
        targetId = store.users
          .findByEmail(email)
          .find((user) => user.identities.some((i) => i.connection === connection.name))?.user_id;
        if (!targetId) throw notFound('The user does not exist.', 'inexistent_user');
      }
      const user = store.users.require(targetId);
      // Password tickets only make sense for an account with a database identity.
      const database = user.identities.find((identity) => identity.provider === 'auth0');
      if (!database) throw badRequest('The user does not have a database identity.', 'operation_not_supported');
      if (clientId !== undefined) store.clients.require(clientId);
      const ticket = store.tickets.createTicket('password_change', user.user_id, ttlSec || DEFAULT_TTL, resultUrl, {
        include_email: includeEmailInRedirect !== false,
        ...(markEmailAsVerified === true ? { mark_email_as_verified: true } : {}),
        ...(clientId !== undefined ? { client_id: clientId } : {}),
      });
      return reply.code(201).send({ ticket: passwordChangeLink(endpoint().domain, ticket.id) });
    },
  );
};
