import { Management } from 'auth0';
import type { EmailTemplate, EmailTemplateUpdate } from '../store/email-templates';
import type { ApiContext, RouteModule } from './context';
import { boolean, integer, nullable, string, stringEnum, strictObject } from './schema';

// Auth0's template names, as the official SDK lists them.
const EMAIL_TEMPLATE_NAMES = Object.values(Management.EmailTemplateNameEnum);

const TEMPLATE_FIELDS = {
  template: stringEnum(EMAIL_TEMPLATE_NAMES),
  body: nullable(string()),
  from: nullable(string()),
  resultUrl: nullable(string()),
  subject: nullable(string()),
  syntax: nullable(stringEnum(['liquid'])),
  urlLifetimeInSeconds: nullable(integer({ minimum: 0 })),
  includeEmailInRedirect: boolean,
  enabled: nullable(boolean),
};

const templateParams = strictObject({ templateName: stringEnum(EMAIL_TEMPLATE_NAMES) }, ['templateName']);

export const registerEmailTemplates: RouteModule = (app, { store }: ApiContext) => {
  app.get<{ Params: { templateName: string } }>(
    '/email-templates/:templateName',
    {
      schema: { params: templateParams },
      config: { scopes: ['read:email_templates'] },
    },
    async (request) => store.emailTemplates.require(request.params.templateName),
  );

  app.post<{ Body: EmailTemplate }>(
    '/email-templates',
    {
      schema: { body: strictObject(TEMPLATE_FIELDS, ['template']) },
      config: { scopes: ['create:email_templates'] },
    },
    async (request, reply) => reply.code(201).send(store.emailTemplates.create(request.body)),
  );

  app.patch<{ Params: { templateName: string }; Body: EmailTemplateUpdate }>(
    '/email-templates/:templateName',
    {
      schema: { params: templateParams, body: strictObject(TEMPLATE_FIELDS) },
      config: { scopes: ['update:email_templates'] },
    },
    async (request) => store.emailTemplates.update(request.params.templateName, request.body),
  );
};
