import { Mailer, Outbox } from '../email';
import { badRequest, notFound } from '../errors';
import type { ApiContext, RouteModule } from './context';
import { anyObject, idParams, string, strictObject } from './schema';

export const registerJobs: RouteModule = (app, { store, endpoint }: ApiContext) => {
  const mailer = new Mailer(store, new Outbox(store.db), endpoint);
  app.post<{ Body: { user_id: string; client_id?: string } }>('/jobs/verification-email', {
    schema: {
      body: strictObject({ user_id: string({ minLength: 1 }), client_id: string(), identity: anyObject, organization_id: string() },
        ['user_id']),
    },
    config: { scopes: ['update:users'] },
  }, async (request, reply) => {
    const { user_id: userId, client_id: clientId } = request.body;
    const user = store.users.require(userId);
    if (!user.email) throw badRequest('The user does not have an email address.', 'invalid_user');
    if (clientId !== undefined) store.clients.require(clientId);
    const job = store.tickets.createVerificationEmailJob(userId, clientId);
    // The job sends the verify_email template with a fresh verification link (see local/sandbox/email).
    mailer.sendEmail({ template: 'verify_email', user, ...(clientId !== undefined ? { clientId } : {}) });
    // Auth0 answers with the job still pending; the sandbox completes it at once (GET shows it).
    return reply.code(201).send({ type: job.type, status: 'pending', created_at: job.created_at, id: job.id });
  });

  app.get<{ Params: { id: string } }>('/jobs/:id', {
    schema: { params: idParams() },
    config: { scopes: ['create:users', 'read:users'] },
  }, async (request) => {
    const job = store.tickets.job(request.params.id);
    if (!job) throw notFound('The job does not exist.', 'inexistent_job');
    return { type: job.type, status: job.status, created_at: job.created_at, id: job.id };
  });
};
