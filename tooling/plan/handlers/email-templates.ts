import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareFields } from '../diff';
import { resolveText } from '../desired';
import { Management } from 'auth0';
import { isObject, type JsonObject } from '../json';
import type { Handler } from './handler';
import { items, objectList, text } from './handler';

/** Auth0's email templates; there is no list endpoint, so each is read by name (404: not set up). */
const EMAIL_TEMPLATE_NAMES = Object.values(Management.EmailTemplateNameEnum);

export const emailTemplates: Handler = {
  type: 'emailTemplates',
  async read(api) {
    const found = await Promise.all(EMAIL_TEMPLATE_NAMES.map((name) => api.getOptional(`/email-templates/${name}`)));
    return found.filter((t): t is JsonObject => isObject(t));
  },
  current: (raw) =>
    objectList(raw, 'email templates').map((template) => ({
      type: 'emailTemplates',
      key: text(template.template),
      value: template,
    })),
  desired: (section, ctx) =>
    items(section, 'emailTemplates').map((template) => {
      // `body` is a file path, relative to tenant.yaml; deploy-cli substitutes keywords in the file too.
      const file = resolve(ctx.tenantDir, text(template.body));
      if (!existsSync(file)) throw new Error(`emailTemplates ${text(template.template)}: body file ${file} is missing`);
      return {
        type: 'emailTemplates',
        key: text(template.template),
        value: { ...template, body: resolveText(readFileSync(file, 'utf8'), ctx.keywords) },
      };
    }),
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};
