import type { EmailTemplate, EmailTemplateUpdate } from '../store/email-templates';
import type { ApiContext, RouteModule } from './context';
import { boolean, integer, nullable, string, stringEnum, strictObject } from './schema';

export const EMAIL_TEMPLATE_NAMES = ['verify_email', 'verify_email_by_code', 'auth_email_by_code', 'reset_email', 'reset_email_by_code',
  'welcome_email', 'blocked_account', 'stolen_credentials', 'enrollment_email', 'mfa_oob_code', 'user_invitation', 'change_password',
  'password_reset', 'async_approval'];

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
  app.get<{ Params: { templateName: string } }>('/email-templates/:templateName', {
    schema: { params: templateParams },
    config: { scopes: ['read:email_templates'] },
  }, async (request) => store.emailTemplates.require(request.params.templateName));

  app.post<{ Body: EmailTemplate }>('/email-templates', {
    schema: { body: strictObject(TEMPLATE_FIELDS, ['template']) },
    config: { scopes: ['create:email_templates'] },
  }, async (request, reply) => reply.code(201).send(store.emailTemplates.create(request.body)));

  app.patch<{ Params: { templateName: string }; Body: EmailTemplateUpdate }>('/email-templates/:templateName', {
    schema: { params: templateParams, body: strictObject(TEMPLATE_FIELDS) },
    config: { scopes: ['update:email_templates'] },
  }, async (request) => store.emailTemplates.update(request.params.templateName, request.body));
};
