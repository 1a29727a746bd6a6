// The sandbox's emails: Auth0's templates rendered with liquidjs into a local outbox, and the
// pages behind their links. The login engine sends through Mailer.sendEmail.
export { Mailer, type EmailTemplateName, type SendEmailInput, type SendEmailResult } from './mailer';
export { Outbox, type OutboxEmail } from './outbox';
export { emailRoutes, type EmailRoutesOptions } from './routes';
export {
  emailVariables,
  renderEmail,
  renderLiquid,
  TemplateError,
  type EmailVariables,
  type RenderedEmail,
  type TemplateField,
} from './render';
export { passwordChangeLink, verificationLink } from './links';
export { measureEmailRender, templateErrors, SAMPLE_VARIABLES, type TemplateFields } from './samples';
