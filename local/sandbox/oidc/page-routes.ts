import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Mailer } from '../email';
import { passwordPolicyRules } from '../email/password-policy';
import { ApiError } from '../errors';
import { sendPage } from '../login/page-reply';
import type { Connection, Store } from '../store';
import type { AuthorizationFlow, FlowAnswer } from './flow';
import { answerFlow, browserOf, callbackOrigin, FORM_BODY_LIMIT, oversizedField, showError, type Fields } from './http';
import { loginForm, resetForm, signupForm, socialForm } from './pages';
import { socialSub } from './social';
import type { AuthorizationTransaction } from './store';
import { holdsTransaction } from './transaction-cookies';

/**
 * The login pages of an authorization transaction (`?state=<transaction>`): log in, sign up,
 * forgot password, and the simulated social provider. Each POST needs the transaction's cookie
 * and CSRF token; each sign-in goes through the flow, so through the login engine. A form over
 * FORM_BODY_LIMIT, or with a field over its FIELD_LIMITS, gets an error page before anything else.
 */

export interface LoginPageRoutesOptions {
  store: Store;
  flow: AuthorizationFlow;
  mailer: Mailer;
  endpoint: () => { domain: string };
}

export const loginPageRoutes: FastifyPluginAsync<LoginPageRoutesOptions> = async (app, options) => {
  const { store, flow, mailer } = options;
  const origin = (): string => `https://${options.endpoint().domain}`;

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
    return showError(reply, origin(), 413, 'Form too large', `A login form is at most ${FORM_BODY_LIMIT / 1024} KB.`);
  });
  // Registered before each POST handler: the form's fields are within their limits, or nothing runs.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const oversized = oversizedField(isFields(request.body) ? request.body : {});
    if (oversized) {
      const message = `${capitalised(oversized.name)} is longer than ${oversized.limit} characters.`;
      return showError(reply, origin(), 400, 'Input too long', message);
    }
  });

  const bound = (request: FastifyRequest, fields: Fields, post: boolean): AuthorizationTransaction | undefined => {
    const state = fields.state;
    if (typeof state !== 'string') return undefined;
    const transaction = flow.transaction(state);
    if (!transaction) return undefined;
    if (post && (!holdsTransaction(request.cookies, transaction) || fields.csrf !== transaction.csrf)) return undefined;
    return transaction;
  };
  const expired = (reply: FastifyReply): FastifyReply =>
    showError(
      reply,
      origin(),
      400,
      'Login expired',
      'This login page is unknown, expired or was opened in another browser: go back to the application and log in again.',
    );
  /**
   * A page of the transaction. Its forms sign in (`signIn`), after which an Action may redirect
   * anywhere: no form-action then (see FormTargets); else they end on the sandbox or the callback.
   */
  const pageOf = (
    reply: FastifyReply,
    transaction: AuthorizationTransaction,
    status: number,
    title: string,
    body: ReturnType<typeof loginForm>,
    signIn = true,
  ): FastifyReply =>
    sendPage(reply, {
      status,
      title,
      body,
      origin: origin(),
      redirectOrigins: signIn ? 'anywhere' : callbackOrigin(transaction),
    });

  const clientConnections = (transaction: AuthorizationTransaction): Connection[] =>
    store.connections
      .list()
      .map((entry) => entry.connection)
      .filter((connection) => store.connections.enabledClients(connection.id).includes(transaction.params.client_id));
  const databaseConnection = (transaction: AuthorizationTransaction): Connection | undefined => {
    const all = clientConnections(transaction).filter((connection) => connection.strategy === 'auth0');
    return all.find((connection) => connection.name === transaction.params.connection) ?? all[0];
  };
  const applicationName = (transaction: AuthorizationTransaction): string =>
    store.clients.get(transaction.params.client_id)?.name ?? 'the application';

  const renderLogin = (
    reply: FastifyReply,
    transaction: AuthorizationTransaction,
    status: number,
    extra: { error?: string; email?: string } = {},
  ): FastifyReply => {
    const connection = databaseConnection(transaction);
    const social = clientConnections(transaction)
      .filter((c) => c.strategy !== 'auth0')
      .map((c) => c.name);
    if (!connection && social[0])
      return reply.redirect(
        `/u/social/${encodeURIComponent(social[0])}?state=${encodeURIComponent(transaction.id)}`,
        302,
      );
    if (!connection)
      return showError(reply, origin(), 400, 'No connection', 'No connection is enabled for this application.');
    const email = extra.email ?? transaction.params.login_hint;
    return pageOf(
      reply,
      transaction,
      status,
      'Log in',
      loginForm({
        state: transaction.id,
        csrf: transaction.csrf,
        application: applicationName(transaction),
        connection: connection.name,
        social,
        ...(email !== undefined ? { email } : {}),
        ...(extra.error !== undefined ? { error: extra.error } : {}),
      }),
    );
  };

  /** A sign-in's answer: back to the form when the credentials were refused, on to the callback or an Action's page otherwise. */
  const afterSignIn = (
    reply: FastifyReply,
    result: FlowAnswer,
    retry: (error: string) => FastifyReply,
  ): FastifyReply => (result.type === 'retry' ? retry(result.description) : answerFlow(reply, origin(), result));

  app.get<{ Querystring: Fields }>('/u/login', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    return transaction ? renderLogin(reply, transaction, 200) : expired(reply);
  });

  app.post<{ Body: Fields | undefined }>('/u/login', { bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
    const body = request.body ?? {};
    const transaction = bound(request, body, true);
    if (!transaction) return expired(reply);
    const connection = databaseConnection(transaction);
    const { email, password } = body;
    if (
      !connection ||
      body.connection !== connection.name ||
      typeof email !== 'string' ||
      typeof password !== 'string' ||
      email === '' ||
      password === ''
    ) {
      return renderLogin(reply, transaction, 400, { error: 'Enter your email address and password.' });
    }
    const result = await flow.signIn(transaction, { connection: connection.name, email, password }, browserOf(request));
    return afterSignIn(reply, result, (error) => renderLogin(reply, transaction, 401, { error, email }));
  });

  const renderSignup = (
    reply: FastifyReply,
    transaction: AuthorizationTransaction,
    status: number,
    extra: { error?: string; email?: string } = {},
  ): FastifyReply => {
    const connection = databaseConnection(transaction);
    if (!connection)
      return showError(
        reply,
        origin(),
        400,
        'No connection',
        'No database connection is enabled for this application.',
      );
    if (connection.options.disable_signup === true)
      return showError(reply, origin(), 403, 'Signup disabled', 'Signups are disabled for this application.');
    return pageOf(
      reply,
      transaction,
      status,
      'Sign up',
      signupForm({
        state: transaction.id,
        csrf: transaction.csrf,
        application: applicationName(transaction),
        connection: connection.name,
        rules: passwordPolicyRules(connection),
        requiresUsername: connection.options.requires_username === true,
        ...((extra.email ?? transaction.params.login_hint) !== undefined
          ? { email: extra.email ?? transaction.params.login_hint }
          : {}),
        ...(extra.error !== undefined ? { error: extra.error } : {}),
      }),
    );
  };

  app.get<{ Querystring: Fields }>('/u/signup', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    return transaction ? renderSignup(reply, transaction, 200) : expired(reply);
  });

  app.post<{ Body: Fields | undefined }>('/u/signup', { bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
    const body = request.body ?? {};
    const transaction = bound(request, body, true);
    if (!transaction) return expired(reply);
    const connection = databaseConnection(transaction);
    const { email, password, username } = body;
    if (!connection || connection.options.disable_signup === true || body.connection !== connection.name)
      return renderSignup(reply, transaction, 400);
    const requiresUsername = connection.options.requires_username === true;
    if (
      typeof email !== 'string' ||
      typeof password !== 'string' ||
      email === '' ||
      password === '' ||
      (requiresUsername && (typeof username !== 'string' || username === ''))
    ) {
      return renderSignup(reply, transaction, 400, {
        error: 'Fill in every field.',
        ...(typeof email === 'string' ? { email } : {}),
      });
    }
    let user;
    try {
      user = store.users.create({
        connection: connection.name,
        email,
        password,
        email_verified: false,
        ...(requiresUsername && typeof username === 'string' ? { username } : {}),
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const exists = error.statusCode === 409;
      // Auth0 says "user exists" only when the tenant flag asks for it; otherwise a generic error (account enumeration).
      const revealExisting = store.tenant.settings().flags.enable_public_signup_user_exists_error === true;
      const message = exists
        ? revealExisting
          ? 'The user already exists.'
          : 'Invalid sign up'
        : passwordMessage(error);
      store.logs.record({
        type: 'fs',
        description: error.message,
        client_id: transaction.params.client_id,
        connection: connection.name,
        ip: request.ip,
        user_agent: request.headers['user-agent'] ?? '',
        user_name: email,
      });
      return renderSignup(reply, transaction, 400, { error: message, email });
    }
    store.logs.record({
      type: 'ss',
      client_id: transaction.params.client_id,
      connection: connection.name,
      ip: request.ip,
      user_agent: request.headers['user-agent'] ?? '',
      user_id: user.user_id,
      user_name: email,
    });
    mailer.sendEmail({
      template: 'verify_email',
      user,
      clientId: transaction.params.client_id,
      ...(transaction.params.ui_locales?.[0] ? { locale: transaction.params.ui_locales[0] } : {}),
    });
    const result = await flow.signIn(transaction, { connection: connection.name, email, password }, browserOf(request));
    return afterSignIn(reply, result, (error) => renderLogin(reply, transaction, 401, { error, email }));
  });

  app.get<{ Querystring: Fields }>('/u/reset-password', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    const connection = transaction && databaseConnection(transaction);
    if (!transaction || !connection) return expired(reply);
    return pageOf(
      reply,
      transaction,
      200,
      'Reset your password',
      resetForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name, sent: false }),
      false,
    );
  });

  app.post<{ Body: Fields | undefined }>(
    '/u/reset-password',
    { bodyLimit: FORM_BODY_LIMIT },
    async (request, reply) => {
      const body = request.body ?? {};
      const transaction = bound(request, body, true);
      const connection = transaction && databaseConnection(transaction);
      if (!transaction || !connection) return expired(reply);
      if (typeof body.email === 'string' && body.email !== '') {
        const user = store.users.databaseIdentityOwner(connection.name, body.email);
        if (user) mailer.sendEmail({ template: 'reset_email', user, clientId: transaction.params.client_id });
      }
      // The same answer whether or not the email has an account.
      return pageOf(
        reply,
        transaction,
        200,
        'Check your email',
        resetForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name, sent: true }),
        false,
      );
    },
  );

  const socialConnection = (transaction: AuthorizationTransaction, name: string): Connection | undefined =>
    clientConnections(transaction).find((connection) => connection.name === name && connection.strategy !== 'auth0');

  app.get<{ Params: { connection: string }; Querystring: Fields }>('/u/social/:connection', async (request, reply) => {
    const transaction = bound(request, request.query, false);
    const connection = transaction && socialConnection(transaction, request.params.connection);
    if (!transaction || !connection) return expired(reply);
    return pageOf(
      reply,
      transaction,
      200,
      `Sign in with ${connection.name}`,
      socialForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name }),
    );
  });

  app.post<{ Params: { connection: string }; Body: Fields | undefined }>(
    '/u/social/:connection',
    { bodyLimit: FORM_BODY_LIMIT },
    async (request, reply) => {
      const body = request.body ?? {};
      const transaction = bound(request, body, true);
      const connection = transaction && socialConnection(transaction, request.params.connection);
      if (!transaction || !connection) return expired(reply);
      const retry = (error: string): FastifyReply =>
        pageOf(
          reply,
          transaction,
          400,
          `Sign in with ${connection.name}`,
          socialForm({ state: transaction.id, csrf: transaction.csrf, connection: connection.name, error }),
        );
      const { email, name } = body;
      if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email))
        return retry('Enter the email address of the account.');
      const profile = {
        sub: socialSub(connection.name, email),
        email: email.toLowerCase(),
        email_verified: body.email_verified === 'true',
        ...(typeof name === 'string' && name !== '' ? { name } : {}),
      };
      const result = await flow.signIn(transaction, { connection: connection.name, profile }, browserOf(request));
      return afterSignIn(reply, result, retry);
    },
  );
};

function isFields(body: unknown): body is Fields {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function passwordMessage(error: ApiError): string {
  return error.message.includes('PasswordStrengthError') ? 'Password is too weak: see the rules below.' : error.message;
}
