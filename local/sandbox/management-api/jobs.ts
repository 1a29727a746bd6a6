import { Mailer, Outbox } from '../email';
import { badRequest, notFound } from '../errors';
import type { ApiContext, RouteModule } from './context';
import { anyObject, idParams, integer, string, stringEnum, strictObject } from './schema';
import { UsersExportJobs, UsersImportJobs, type ExportField } from '../store/user-jobs';

// Auth0's limit on a users import file (https://auth0.com/docs/manage-users/user-migration/bulk-user-imports).
const IMPORT_FILE_LIMIT = 500 * 1024;

export const registerJobs: RouteModule = (app, { store, endpoint }: ApiContext) => {
  const mailer = new Mailer(store, new Outbox(store.db), endpoint);
  const exports = new UsersExportJobs(store);
  const imports = new UsersImportJobs(store);

  // The users file comes as multipart/form-data; the Fetch API's own parser reads it.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: IMPORT_FILE_LIMIT + 64 * 1024 },
    (_request, body, done) => done(null, body),
  );

  app.post('/jobs/users-imports', { config: { scopes: ['create:users'] } }, async (request, reply) => {
    const contentType = request.headers['content-type'] ?? '';
    if (!Buffer.isBuffer(request.body) || !contentType.startsWith('multipart/form-data')) {
      throw badRequest("Payload validation error: 'Expected multipart/form-data'.");
    }
    const form = await new Response(request.body, { headers: { 'content-type': contentType } }).formData();
    const file = form.get('users');
    const connectionId = form.get('connection_id');
    if (typeof connectionId !== 'string' || connectionId === '')
      throw badRequest("Payload validation error: 'Missing required property: connection_id'.");
    if (file === null || typeof file === 'string')
      throw badRequest("Payload validation error: 'Missing required property: users'.");
    if (file.size > IMPORT_FILE_LIMIT)
      throw badRequest(`The users file must be smaller than ${IMPORT_FILE_LIMIT / 1024}KB.`);
    const connection = store.connections.require(connectionId);
    let users: unknown;
    try {
      users = JSON.parse(await file.text());
    } catch {
      throw badRequest('Users file must be a valid JSON array.', 'invalid_body');
    }
    if (!Array.isArray(users)) throw badRequest('Users file must be a valid JSON array.', 'invalid_body');
    const externalId = form.get('external_id');
    const job = imports.run({
      connectionId,
      connection: connection.name,
      users,
      upsert: form.get('upsert') === 'true',
      ...(typeof externalId === 'string' ? { externalId } : {}),
    });
    return reply.code(202).send({
      status: 'pending',
      type: job.type,
      created_at: job.created_at,
      id: job.id,
      connection_id: job.connection_id,
      ...(job.external_id ? { external_id: job.external_id } : {}),
    });
  });

  app.get<{ Params: { id: string } }>(
    '/jobs/:id/errors',
    {
      schema: { params: idParams() },
      config: { scopes: ['create:users', 'read:users'] },
    },
    async (request, reply) => {
      const errors = imports.errorsOf(request.params.id);
      if (!errors) throw notFound('The job does not exist.', 'inexistent_job');
      return errors.length === 0 ? reply.code(204).send() : errors;
    },
  );

  app.post<{ Body: { connection_id?: string; format?: 'json' | 'csv'; limit?: number; fields?: ExportField[] } }>(
    '/jobs/users-exports',
    {
      schema: {
        body: strictObject({
          connection_id: string({ minLength: 1 }),
          format: stringEnum(['json', 'csv']),
          limit: integer({ minimum: 1 }),
          fields: {
            type: 'array',
            items: strictObject({ name: string({ minLength: 1 }), export_as: string({ minLength: 1 }) }, ['name']),
          },
        }),
      },
      config: { scopes: ['read:users'] },
    },
    async (request, reply) => {
      const { connection_id: connectionId } = request.body;
      const connectionName = connectionId === undefined ? undefined : store.connections.require(connectionId).name;
      const job = exports.create({ ...request.body, ...(connectionName === undefined ? {} : { connectionName }) });
      // Auth0 answers with the job pending; GET /jobs/{id} shows its progress and, once completed, the location.
      const { location: _location, percentage_done: _done, time_left_seconds: _left, ...pending } = job;
      return reply.code(201).send({ ...pending, status: 'pending' });
    },
  );

  app.post<{ Body: { user_id: string; client_id?: string } }>(
    '/jobs/verification-email',
    {
      schema: {
        body: strictObject(
          { user_id: string({ minLength: 1 }), client_id: string(), identity: anyObject, organization_id: string() },
          ['user_id'],
        ),
      },
      config: { scopes: ['update:users'] },
    },
    async (request, reply) => {
      const { user_id: userId, client_id: clientId } = request.body;
      const user = store.users.require(userId);
      if (!user.email) throw badRequest('The user does not have an email address.', 'invalid_user');
      if (clientId !== undefined) store.clients.require(clientId);
      const job = store.tickets.createVerificationEmailJob(userId, clientId);
      // The job sends the verify_email template with a fresh verification link (see local/sandbox/email).
      mailer.sendEmail({ template: 'verify_email', user, ...(clientId !== undefined ? { clientId } : {}) });
      // Auth0 answers with the job still pending; the sandbox completes it at once (GET shows it).
      return reply.code(201).send({ type: job.type, status: 'pending', created_at: job.created_at, id: job.id });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/jobs/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['create:users', 'read:users'] },
    },
    async (request) => {
      const exported = exports.get(request.params.id);
      if (exported) return exported;
      const imported = imports.get(request.params.id);
      if (imported) {
        const { connection: _name, ...view } = imported;
        return view;
      }
      const job = store.tickets.job(request.params.id);
      if (!job) throw notFound('The job does not exist.', 'inexistent_job');
      return { type: job.type, status: job.status, created_at: job.created_at, id: job.id };
    },
  );
};
