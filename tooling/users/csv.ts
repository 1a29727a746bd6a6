import { CsvError as ParseError, parse } from 'csv-parse/sync';

/**
 * RFC 4180 CSV through csv-parse: comma-separated fields, double-quoted fields may hold commas,
 * line breaks and doubled quotes (""). Accepts CRLF or LF line ends (mixed too), a UTF-8 BOM,
 * and a missing final line break. What this adds: the line each record starts on, and errors
 * that say where and how to fix the file.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'CsvError';
  }
}

/** csv-parse's error codes for malformed quoting, in the words of someone fixing a spreadsheet export. */
const PROBLEMS: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote (quotes inside a field must be doubled: "")',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
};

export function parseCsv(text: string): CsvRecord[] {
  // Lines are counted here, from where each record starts in the bytes: csv-parse's own count
  // takes a CRLF inside a quoted field for two lines.
  const bytes = Buffer.from(text, 'utf8');
  const records: CsvRecord[] = [];
  let line = 1;
  let offset = 0;
  try {
    parse(bytes, {
      bom: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n'],
      on_record: (fields: string[], context) => {
        records.push({ line, fields });
        line += lineBreaks(bytes, offset, context.bytes);
        offset = context.bytes;
        return null;
      },
    });
  } catch (error) {
    // Reported at the line where the malformed record starts.
    if (error instanceof ParseError) throw new CsvError(line, PROBLEMS[error.code] ?? error.message);
    throw error;
  }
  return records;
}

function lineBreaks(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = bytes.indexOf(0x0a, from); at !== -1 && at < to; at = bytes.indexOf(0x0a, at + 1)) count += 1;
  return count;
}
