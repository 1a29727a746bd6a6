import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command, Item } from './commands';
import { CsvError, parseCsv } from './csv';
import { describeError, UsageError } from './errors';
import { isJsonObject } from './model';
import { parseUserRef } from './resolve';

/**
 * A bulk input file: CSV with a header row, or a JSON array (of user strings, or of objects).
 * Column / field `user` (or `user_id`, or `email`) names the user; the command's arguments
 * (`client_id`, `entitlement`) come from same-named columns unless given once on the command
 * line. Every row is validated before the first request is made.
 */
export interface BulkItem extends Item {
  /** 1-based line in the file (the array position + 1 for JSON), for messages. */
  line: number;
}

export interface BulkInput {
  items: BulkItem[];
  /** sha256 of the file: a journal only resumes the exact input it was written for. */
  digest: string;
}

const USER_COLUMNS = ['user', 'user_id', 'email'];
const MAX_REPORTED = 10;

export function readBulkInput(path: string, command: Command, fixedArgs: Readonly<Record<string, string>>): BulkInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? describeError(error).message}`,
      'check the path given to --from',
    );
  }
  const rows = extname(path).toLowerCase() === '.json' ? jsonRows(path, text) : csvRows(path, text);
  const items: BulkItem[] = [];
  const problems: string[] = [];
  for (const row of rows) {
    try {
      items.push(toItem(row, items.length, command, fixedArgs));
    } catch (error) {
      problems.push(`${path} line ${row.line}: ${describeError(error).message}`);
    }
  }
  if (problems.length > 0) {
    const more = problems.length > MAX_REPORTED ? `\n  ... and ${problems.length - MAX_REPORTED} more` : '';
    throw new UsageError(
      `${problems.length} invalid row(s) in ${path}:\n  ${problems.slice(0, MAX_REPORTED).join('\n  ')}${more}`,
      'fix these rows; nothing was changed',
    );
  }
  if (items.length === 0) throw new UsageError(`${path} lists no users`, 'add one user per row');
  return { items, digest: createHash('sha256').update(text).digest('hex') };
}

interface Row {
  line: number;
  values: Record<string, string | undefined>;
}

function csvRows(path: string, text: string): Row[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    throw new UsageError(
      `${path} ${error instanceof CsvError ? error.message : String(error)}`,
      'save the file as CSV (RFC 4180)',
    );
  }
  const [header, ...data] = records;
  if (!header) throw new UsageError(`${path} is empty`, 'add a header row (user,...) and one user per row');
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  if (!columns.some((name) => USER_COLUMNS.includes(name))) {
    throw new UsageError(
      `${path} line 1: the header (${header.fields.join(',')}) has no user column`,
      'start the file with a header row naming the column: user (or user_id, or email)',
    );
  }
  return data
    .filter((record) => record.fields.some((field) => field.trim() !== ''))
    .map((record) => ({
      line: record.line,
      values: Object.fromEntries(columns.map((name, i) => [name, record.fields[i]])),
    }));
}

function jsonRows(path: string, text: string): Row[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${path} is not valid JSON: ${describeError(error).message}`,
      'give a JSON array of user ids / emails, or of {"user": ...} objects',
    );
  }
  if (!Array.isArray(parsed))
    throw new UsageError(
      `${path} is not a JSON array`,
      'give a JSON array of user ids / emails, or of {"user": ...} objects',
    );
  return parsed.map((entry, i): Row => {
    if (typeof entry === 'string') return { line: i + 1, values: { user: entry } };
    if (isJsonObject(entry)) {
      const values = Object.fromEntries(
        Object.entries(entry).map(([key, value]) => [key.toLowerCase(), typeof value === 'string' ? value : undefined]),
      );
      return { line: i + 1, values };
    }
    return { line: i + 1, values: {} };
  });
}

function toItem(row: Row, index: number, command: Command, fixedArgs: Readonly<Record<string, string>>): BulkItem {
  const user = USER_COLUMNS.map((name) => row.values[name]?.trim()).find(
    (value) => value !== undefined && value !== '',
  );
  if (user === undefined) throw new UsageError('no user', 'fill the user column');
  parseUserRef(user);
  const args: Record<string, string> = {};
  for (const spec of command.args) {
    const value = fixedArgs[spec.name] ?? row.values[spec.name];
    if (value === undefined || value.trim() === '') {
      throw new UsageError(`no ${spec.name}`, `add a ${spec.name} column, or give it once on the command line`);
    }
    args[spec.name] = spec.parse(value);
  }
  return { index, line: row.line, user, args };
}
