import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/**
 * A unified diff of a text field, tenant → repository, for reviewers (email bodies, Action code).
 * Only ever called on non-secret text. Bounded: a long diff is cut, saying how much was left out.
 */

export const MAX_DIFF_LINES = 80;
const CONTEXT_LINES = 3;

/** `undefined` when the texts are equal. */
export function textDiff(label: string, tenant: string, repository: string): string | undefined {
  if (tenant === repository) return undefined;
  const patch = createTwoFilesPatch(
    `tenant/${label}`,
    `repository/${label}`,
    withNewline(tenant),
    withNewline(repository),
    undefined,
    undefined,
    { context: CONTEXT_LINES, headerOptions: FILE_HEADERS_ONLY },
  );
  const lines = patch.replace(/\n$/, '').split('\n');
  if (lines.length <= MAX_DIFF_LINES) return lines.join('\n');
  return [...lines.slice(0, MAX_DIFF_LINES), `… ${lines.length - MAX_DIFF_LINES} more diff lines not shown`].join('\n');
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
