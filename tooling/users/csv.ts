/**
 * RFC 4180 CSV: comma-separated fields, double-quoted fields may hold commas, line breaks and
 * doubled quotes (""). Accepts CRLF or LF line ends, a UTF-8 BOM, and a missing final line break.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(readonly line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = 'CsvError';
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < input.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (input[i] === '"') {
        i += 1;
        for (;;) {
          if (i >= input.length) throw new CsvError(start, 'a quoted field is never closed');
          const ch = input[i] as string;
          if (ch === '"') {
            if (input[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (ch === '\n') line += 1;
          field += ch;
          i += 1;
        }
        const next = input[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new CsvError(line, 'text after a closing quote (quotes inside a field must be doubled: "")');
        }
      } else {
        while (i < input.length && input[i] !== ',' && input[i] !== '\n' && input[i] !== '\r') {
          if (input[i] === '"') throw new CsvError(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
          field += input[i];
          i += 1;
        }
      }
      fields.push(field);
      if (input[i] === ',') {
        i += 1;
        continue;
      }
      break;
    }
    if (input[i] === '\r') i += 1;
    if (input[i] === '\n') {
      i += 1;
      line += 1;
    } else if (i < input.length) {
      throw new CsvError(line, 'a carriage return without a line feed');
    }
    records.push({ line: start, fields });
  }
  return records;
}
