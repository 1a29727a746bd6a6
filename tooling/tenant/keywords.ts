/**
 * auth0-deploy-cli's keyword replacement, reproduced so validation sees exactly the text the tool
 * would deploy (test/tenant checks it against the tool's own function). It runs on the raw text of
 * tenant.yaml and of every file it loads, before any parsing:
 * - `@@KEY@@`, with or without surrounding quotes, becomes `JSON.stringify(value)` (arrays, objects);
 * - then `##KEY##` becomes the value as text.
 * A marker without a mapping is left in place and would be deployed literally.
 */

export type KeywordValue =
  string | number | boolean | readonly KeywordValue[] | { readonly [key: string]: KeywordValue };
export type KeywordMappings = Readonly<Record<string, KeywordValue>>;

export const KEYWORD_NAME = /^[A-Za-z0-9_]+$/;

export interface KeywordUse {
  kind: 'text' | 'json';
  name: string;
  /** Offset of the marker (`##` or `@@`) in the text. */
  offset: number;
}

export function findKeywords(text: string): KeywordUse[] {
  const uses: KeywordUse[] = [];
  for (const match of text.matchAll(/##([A-Za-z0-9_]+)##|@@([A-Za-z0-9_]+)@@/g)) {
    const textName = match[1];
    uses.push({
      kind: textName === undefined ? 'json' : 'text',
      name: textName ?? match[2] ?? '',
      offset: match.index,
    });
  }
  return uses;
}

/**
 * A value as `##KEY##` puts it into the text: deploy-cli's `String(value)`, so a list reads `a,b` and
 * an object `[object Object]`, which validation then reports instead of deploying it.
 */
export function keywordText(value: KeywordValue): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- reproduces deploy-cli's substitution exactly
  return String(value);
}

export function replaceKeywords(text: string, mappings: KeywordMappings): string {
  let out = text;
  for (const [name, value] of Object.entries(mappings)) {
    const marker = `@@${name}@@`;
    out = out.replace(new RegExp(`'${marker}'|"${marker}"|${marker}`, 'g'), () => JSON.stringify(value));
  }
  for (const [name, value] of Object.entries(mappings)) {
    out = out.replace(new RegExp(`##${name}##`, 'g'), () => keywordText(value));
  }
  return out;
}
