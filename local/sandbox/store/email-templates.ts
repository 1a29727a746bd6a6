import type { Db } from './db';
import { parseDoc } from './json';
import { conflict, notFound } from '../errors';

export interface EmailTemplate {
  template: string;
  body?: string | null;
  from?: string | null;
  subject?: string | null;
  syntax?: string | null;
  resultUrl?: string | null;
  urlLifetimeInSeconds?: number | null;
  includeEmailInRedirect?: boolean;
  enabled?: boolean | null;
}

export type EmailTemplateUpdate = Partial<EmailTemplate>;

export class EmailTemplatesRepo {
  private readonly selectOne;
  private readonly selectAll;
  private readonly upsert;

  constructor(db: Db) {
    this.selectOne = db.prepare<{ template: string }, { doc: string }>(
      'SELECT doc FROM email_templates WHERE template = @template',
    );
    this.selectAll = db.prepare<[], { doc: string }>('SELECT doc FROM email_templates ORDER BY template');
    this.upsert = db.prepare<{ template: string; doc: string }>(
      'INSERT INTO email_templates (template, doc) VALUES (@template, @doc) ON CONFLICT (template) DO UPDATE SET doc = excluded.doc',
    );
  }

  list(): EmailTemplate[] {
    return this.selectAll.all().map((row) => parseDoc<EmailTemplate>(row.doc));
  }

  get(template: string): EmailTemplate | undefined {
    const row = this.selectOne.get({ template });
    return row ? parseDoc<EmailTemplate>(row.doc) : undefined;
  }

  require(template: string): EmailTemplate {
    const found = this.get(template);
    if (!found) throw notFound('The template does not exist.', 'inexistent_email_template');
    return found;
  }

  create(input: EmailTemplate): EmailTemplate {
    if (this.get(input.template))
      throw conflict(`Template ${input.template} already exists.`, 'email_template_conflict');
    this.upsert.run({ template: input.template, doc: JSON.stringify(input) });
    return input;
  }

  update(template: string, patch: EmailTemplateUpdate): EmailTemplate {
    const next: EmailTemplate = { ...this.require(template), ...patch, template };
    this.upsert.run({ template, doc: JSON.stringify(next) });
    return next;
  }
}
