import type { FastifyPluginAsync } from 'fastify';
import type { Mailer } from '../email';
import type { Connection, Store, User } from '../store';
import { FIELD_LIMIT, FORM_BODY_LIMIT } from './http';

/**
 * Auth0's Authentication API "change password" (https://auth0.com/docs/api/authentication/change-password/change-password):
 * sends the tenant's reset_email to a database user. The answer is the same 200 text whether or
 * not the email has an account, so the endpoint tells nobody which emails are registered.
 */

export const CHANGE_PASSWORD_SENT = "We've just sent you an email to reset your password.";

/** The error body of the Authentication API's /dbconnections endpoints. */
export interface DbConnectionsError {
  name: 'BadRequestError';
  code: string;
  description: string;
  statusCode: 400;
}

export type ChangePasswordRequest =
  { ok: true; clientId: string; connection: Connection; email: string } | { ok: false; error: DbConnectionsError };

const refuse = (code: string, description: string): ChangePasswordRequest => ({
  ok: false,
  error: { name: 'BadRequestError', code, description, statusCode: 400 },
});

const field = (body: unknown, name: string): string | undefined => {
  if (typeof body !== 'object' || body === null || !(name in body)) return undefined;
  const value: unknown = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' && value.length <= FIELD_LIMIT ? value : undefined;
};

/** The request's client, database connection and email, or why it is refused. */
export function parseChangePassword(store: Store, body: unknown): ChangePasswordRequest {
  const clientId = field(body, 'client_id');
  if (!clientId || !store.clients.get(clientId)) return refuse('bad.client_id', 'Missing or unknown client_id');
  const email = field(body, 'email');
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) return refuse('bad.email', 'Missing or invalid email');
  const name = field(body, 'connection');
  const connection = name === undefined ? undefined : store.connections.getByName(name);
  if (
    !connection ||
    connection.strategy !== 'auth0' ||
    !store.connections.enabledClients(connection.id).includes(clientId)
  )
    return refuse('bad.connection', 'Missing connection, or not a database connection enabled for this client');
  return { ok: true, clientId, connection, email };
}

export interface ChangePasswordRoutesOptions {
  store: Store;
  mailer: Mailer;
}

export const changePasswordRoutes: FastifyPluginAsync<ChangePasswordRoutesOptions> = async (app, options) => {
  const { store, mailer } = options;
  app.post('/dbconnections/change_password', { bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
    const parsed = parseChangePassword(store, request.body);
    if (!parsed.ok) return reply.code(400).send(parsed.error);
    const user = databaseUserByEmail(store, parsed.connection.name, parsed.email);
    if (user) mailer.sendEmail({ template: 'reset_email', user, clientId: parsed.clientId });
    return reply.code(200).type('text/plain; charset=utf-8').send(CHANGE_PASSWORD_SENT);
  });
};

/** The user with that email on that database connection, with a password or without one (imported without hashes). */
function databaseUserByEmail(store: Store, connection: string, email: string): User | undefined {
  return (
    store.users.databaseIdentityOwner(connection, email) ??
    store.users
      .findByEmail(email)
      .find((user) =>
        user.identities.some((identity) => identity.provider === 'auth0' && identity.connection === connection),
      )
  );
}
