import type { EmailProvider, EmailProviderUpdate } from '../store/tenant';
import type { ApiContext, RouteModule } from './context';
import { fieldsQuery, selectFields, type FieldsQuery } from './query';
import { anyObject, boolean, nullable, string, stringEnum, strictObject } from './schema';

const EMAIL_PROVIDERS = [
  'mailgun',
  'mandrill',
  'sendgrid',
  'resend',
  'ses',
  'sparkpost',
  'smtp',
  'azure_cs',
  'ms365',
  'custom',
];
const providerFields = {
  name: stringEnum(EMAIL_PROVIDERS),
  enabled: boolean,
  default_from_address: string(),
  credentials: anyObject,
  settings: nullable(anyObject),
};
// Credential values that are secrets; Auth0 never returns them.
const SECRET_CREDENTIALS = ['api_key', 'smtp_pass', 'secretAccessKey', 'connectionString', 'clientSecret'];

function presentProvider(provider: EmailProvider): EmailProvider {
  if (!provider.credentials) return provider;
  const credentials = Object.fromEntries(
    Object.entries(provider.credentials).filter(([key]) => !SECRET_CREDENTIALS.includes(key)),
  );
  return { ...provider, credentials };
}

export const registerEmailProvider: RouteModule = (app, { store }: ApiContext) => {
  app.get<{ Querystring: FieldsQuery }>(
    '/emails/provider',
    {
      schema: { querystring: strictObject({ ...fieldsQuery }) },
      config: { scopes: ['read:email_provider'] },
    },
    async (request) => selectFields(presentProvider(store.tenant.requireEmailProvider()), request.query),
  );

  app.post<{ Body: EmailProvider }>(
    '/emails/provider',
    {
      schema: { body: strictObject(providerFields, ['name', 'credentials']) },
      config: { scopes: ['create:email_provider'] },
    },
    async (request, reply) => reply.code(201).send(presentProvider(store.tenant.createEmailProvider(request.body))),
  );

  app.patch<{ Body: EmailProviderUpdate }>(
    '/emails/provider',
    {
      schema: { body: strictObject(providerFields) },
      config: { scopes: ['update:email_provider'] },
    },
    async (request) => presentProvider(store.tenant.updateEmailProvider(request.body)),
  );

  app.delete('/emails/provider', { config: { scopes: ['delete:email_provider'] } }, async (_request, reply) => {
    store.tenant.deleteEmailProvider();
    return reply.code(204).send();
  });
};
