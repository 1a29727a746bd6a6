import { pendingChanges, type Plan } from '../model';
import { describeChange, describeField, heading, resourceLabel, summary } from './format';

/** The plan as Markdown, for a pull-request comment or a CI job summary; text diffs follow the table, folded. */
export function renderMarkdown(plan: Plan): string {
  const out = [`### ${escape(heading(plan))}`, '', `**${escape(summary(plan))}**`, ''];
  const pending = pendingChanges(plan);
  if (pending.length > 0) {
    out.push('| | resource | change |', '|---|---|---|');
    for (const change of pending) {
      const sign = change.kind === 'create' ? '➕' : change.kind === 'update' ? '✏️' : '⚠️';
      const detail =
        change.kind === 'update'
          ? change.fields
              .map((f) => code(`${describeField(f)}${f.diff === undefined ? '' : ' (diff below)'}`))
              .join('<br>')
          : escape(describeChange(change));
      out.push(`| ${sign} | ${code(resourceLabel(change))} | ${detail} |`);
    }
    out.push('');
    for (const change of pending) {
      for (const field of change.fields) {
        if (field.diff === undefined) continue;
        const fence = '`'.repeat(Math.max(3, ...[...field.diff.matchAll(/`+/g)].map((m) => m[0].length + 1)));
        out.push(
          `<details><summary>${html(`${resourceLabel(change)} ${field.path}`)}</summary>`,
          '',
          `${fence}diff`,
          field.diff,
          fence,
          '',
          '</details>',
          '',
        );
      }
    }
  }
  if (plan.notes.length > 0)
    out.push('<details><summary>Notes</summary>', '', ...plan.notes.map((n) => `- ${escape(n)}`), '', '</details>', '');
  return `${out.join('\n')}\n`;
}

/** Inline code inside a table cell: backticks and pipes cannot break out of it. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\n/g, ' ')}\``;
}

function escape(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

function html(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
