/**
 * What deploy-cli prints, made safe and useful: every secret value replaced by `[redacted:NAME]`,
 * its per-resource log lines condensed to "updated actions gate-apps", and a failure named by
 * resource and by the Management API's own message instead of a stack of generic errors.
 */
import { stripVTControlCharacters } from 'node:util';

export interface NamedSecret {
  name: string;
  value: string;
}

export type Redactor = (text: string) => string;

/** Credential fields deploy-cli may echo from API answers (a client's secret after a PATCH...). */
const SECRET_FIELDS = /("(?:client_secret|signing_secret|smtp_pass|api_key|password|secret)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

export function redactor(secrets: readonly NamedSecret[]): Redactor {
  // Longest first, so a secret containing another is replaced whole.
  const ordered = secrets.filter((s) => s.value !== '').sort((a, b) => b.value.length - a.value.length);
  return (text) => {
    let out = text;
    for (const { name, value } of ordered) out = out.split(value).join(`[redacted:${name}]`);
    return out.replace(SECRET_FIELDS, '$1"[redacted]"');
  };
}

interface LogEntry {
  level: string;
  message: string;
}

const ENTRY = /^\S+Z - (\w+): (.*)$/;

/** deploy-cli's winston lines (`<time> - <level>: <message>`, messages may span lines), colours removed. */
export function parseLog(output: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of stripVTControlCharacters(output).split('\n')) {
    const match = ENTRY.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) entries.push({ level: match[1], message: match[2] });
    else if (entries.length > 0) (entries.at(-1) as LogEntry).message += `\n${line}`;
    else if (line.trim() !== '') entries.push({ level: 'output', message: line });
  }
  return entries;
}

const DONE = /^(Created|Updated|Deleted|Deployed) \[(\w+)\]: (.*)$/;
const QUIET =
  /^(Getting access token|\[actions\]: Waiting for build|Reviewing connections for SCIM|Import Successful|Please refer to the Auth0 Management API docs)/;
const WOULD_DELETE = /^Detected the following (\w+) should be deleted/;

/** One line per thing deploy-cli did or warned about; errors are left to `failureOf`. */
export function summarise(entries: readonly LogEntry[]): string[] {
  const out: string[] = [];
  for (const { level, message } of entries) {
    const first = message.split('\n', 1)[0] ?? '';
    const done = DONE.exec(first);
    const wouldDelete = WOULD_DELETE.exec(first);
    if (done?.[1] && done[2]) out.push(`${done[1].toLowerCase()} ${done[2]} ${resourceName(done[3] ?? '')}`.trimEnd());
    else if (wouldDelete?.[1]) {
      const count = message.split('\n').filter((line) => line.trim().startsWith('{')).length;
      out.push(`left alone: ${count} ${wouldDelete[1]} not part of this deploy (deletion is off)`);
    } else if (level === 'warn' && !QUIET.test(first)) out.push(`warning: ${first}`);
  }
  return out;
}

export interface DeployFailure {
  type?: string;
  resource?: string;
  operation?: string;
  status?: number;
  /** The Management API's message, or deploy-cli's when the API gave none. */
  message: string;
}

const STAGE = /Problem running command \w+ during stage \w+ when processing type (\w+)/;
const PROBLEM = /^Problem (updating|creating|deleting|Deploying) (\w+) (\{.*\})\s*$/m;

export function failureOf(entries: readonly LogEntry[]): DeployFailure | undefined {
  const errors = entries.filter((e) => e.level === 'error');
  if (errors.length === 0) return undefined;
  const all = errors.map((e) => e.message).join('\n');
  const problem = PROBLEM.exec(all);
  const status = /Status code: (\d{3})/.exec(all);
  return {
    type: problem?.[2] ?? STAGE.exec(all)?.[1],
    resource: problem?.[3] === undefined ? undefined : resourceName(problem[3]),
    operation: problem?.[1]?.toLowerCase(),
    status: status?.[1] === undefined ? undefined : Number(status[1]),
    message: apiMessage(all) ?? lastErrorLine(errors),
  };
}

export function describeFailure(failure: DeployFailure): string {
  const what = [failure.type, failure.resource].filter(Boolean).join(' ') || 'the deploy';
  const how =
    failure.operation === undefined
      ? 'failed'
      : `${failure.operation === 'deploying' ? 'deploy' : failure.operation.replace(/ing$/, 'e')} failed`;
  return `${what}: ${how}: ${failure.status === undefined ? '' : `${failure.status} `}${failure.message}`;
}

/** The `message` of the error body the SDK prints after `Body:`. */
function apiMessage(text: string): string | undefined {
  const at = text.indexOf('Body: {');
  if (at === -1) return undefined;
  const start = at + 'Body: '.length;
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}' && --depth === 0) {
      try {
        const body: unknown = JSON.parse(text.slice(start, i + 1));
        const message =
          typeof body === 'object' && body !== null ? (body as Record<string, unknown>).message : undefined;
        return typeof message === 'string' ? message : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function lastErrorLine(errors: readonly LogEntry[]): string {
  const lines = errors
    .flatMap((e) => e.message.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !STAGE.test(l) && !PROBLEM.test(l));
  return lines.at(-1) ?? 'deploy-cli failed without a message';
}

/** deploy-cli logs resources as JSON: name them as tenant.yaml does. */
function resourceName(json: string): string {
  try {
    const item: unknown = JSON.parse(json);
    if (typeof item !== 'object' || item === null) return '';
    const record = item as Record<string, unknown>;
    for (const key of ['name', 'template', 'trigger_id', 'identifier', 'audience']) {
      if (typeof record[key] === 'string') return record[key];
    }
    return '';
  } catch {
    return '';
  }
}
