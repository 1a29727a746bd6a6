import { pendingChanges, type Plan, type ResourceChange } from '../model';
import { describeChange, describeField, heading, resourceLabel, summary } from './format';

/** The plan for a terminal: one line per change, field details indented, diffs below them; ANSI colours when asked. */
export function renderTerminal(plan: Plan, options: { colour: boolean }): string {
  const paint = (code: string, text: string): string => (options.colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const SIGN: Record<ResourceChange['kind'], string> = {
    create: paint('32', '+'),
    update: paint('33', '~'),
    drift: paint('31', '!'),
    unchanged: ' ',
  };
  const diffLine = (line: string): string =>
    /^(\+\+\+|---)/.test(line)
      ? paint('1', line)
      : line.startsWith('+')
        ? paint('32', line)
        : line.startsWith('-')
          ? paint('31', line)
          : line.startsWith('@@')
            ? paint('36', line)
            : line;
  const out = [paint('1', heading(plan)), ''];
  for (const change of pendingChanges(plan)) {
    out.push(`  ${SIGN[change.kind]} ${resourceLabel(change)}  ${paint('2', describeChange(change))}`);
    for (const field of change.fields) {
      out.push(`      ${describeField(field)}`);
      if (field.diff !== undefined) out.push(...field.diff.split('\n').map((line) => `        ${diffLine(line)}`));
    }
  }
  if (pendingChanges(plan).length > 0) out.push('');
  out.push(summary(plan));
  if (plan.notes.length > 0) out.push('', 'Notes:', ...plan.notes.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}
