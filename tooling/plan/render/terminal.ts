import { pendingChanges, type Plan, type ResourceChange } from '../model';
import { describeField, DRIFT_NOTE, heading, resourceLabel, summary } from './format';

/** The plan for a terminal: one line per change, field details indented; ANSI colours when asked. */
export function renderTerminal(plan: Plan, options: { colour: boolean }): string {
  const paint = (code: string, text: string): string => (options.colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const SIGN: Record<ResourceChange['kind'], string> = { create: paint('32', '+'), update: paint('33', '~'), drift: paint('31', '!'), unchanged: ' ' };
  const out = [paint('1', heading(plan)), ''];
  for (const change of pendingChanges(plan)) {
    const what = change.kind === 'create' ? 'create' : change.kind === 'drift' ? DRIFT_NOTE : 'update';
    out.push(`  ${SIGN[change.kind]} ${resourceLabel(change)}  ${paint('2', what)}`);
    for (const field of change.fields) out.push(`      ${describeField(field)}`);
  }
  if (pendingChanges(plan).length > 0) out.push('');
  out.push(summary(plan));
  if (plan.notes.length > 0) out.push('', 'Notes:', ...plan.notes.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}
