import { pendingChanges, type Plan } from '../model';
import { describeField, DRIFT_NOTE, heading, resourceLabel, summary } from './format';

/** The plan as Markdown, for a pull-request comment or a CI job summary. */
export function renderMarkdown(plan: Plan): string {
  const out = [`### ${escape(heading(plan))}`, '', `**${escape(summary(plan))}**`, ''];
  const pending = pendingChanges(plan);
  if (pending.length > 0) {
    out.push('| | resource | change |', '|---|---|---|');
    for (const change of pending) {
      const sign = change.kind === 'create' ? '➕' : change.kind === 'update' ? '✏️' : '⚠️';
      const detail = change.kind === 'create' ? 'create' : change.kind === 'drift' ? DRIFT_NOTE : change.fields.map((f) => code(describeField(f))).join('<br>');
      out.push(`| ${sign} | ${code(resourceLabel(change))} | ${change.kind === 'update' ? detail : escape(detail)} |`);
    }
    out.push('');
  }
  if (plan.notes.length > 0) out.push('<details><summary>Notes</summary>', '', ...plan.notes.map((n) => `- ${escape(n)}`), '', '</details>', '');
  return `${out.join('\n')}\n`;
}

/** Inline code inside a table cell: backticks and pipes cannot break out of it. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\n/g, ' ')}\``;
}

function escape(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}
