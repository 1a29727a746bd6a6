import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALES, type Locale } from '../i18n';
import { SafeHtml } from '../security/html';

/**
 * The terms texts: `<dir>/<version>/<locale>.html`, reviewed like code and so trusted as HTML
 * (the page's CSP still refuses any script or style in them). Read once at start: every version
 * folder must have every locale, so a missing translation stops the deploy, not a login.
 */

export type TermsContent = ReadonlyMap<string, Readonly<Record<Locale, SafeHtml>>>;

/** What a TERMS_VERSION may look like here (it names a folder). */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function loadTermsContent(dir: string): TermsContent {
  if (!existsSync(dir)) throw new Error(`terms content folder ${dir} does not exist`);
  const content = new Map<string, Record<Locale, SafeHtml>>();
  const problems: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (!VERSION_PATTERN.test(entry.name)) {
      problems.push(`${entry.name}: not a valid version name`);
      continue;
    }
    const texts: Partial<Record<Locale, SafeHtml>> = {};
    for (const locale of LOCALES) {
      const file = join(dir, entry.name, `${locale}.html`);
      const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
      if (text === '') problems.push(`${entry.name}/${locale}.html is missing or empty`);
      else texts[locale] = new SafeHtml(text);
    }
    if (LOCALES.every((locale) => texts[locale] !== undefined))
      content.set(entry.name, texts as Record<Locale, SafeHtml>);
  }
  if (problems.length > 0) throw new Error(`terms content in ${dir}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  if (content.size === 0) throw new Error(`terms content folder ${dir} has no version`);
  return content;
}
