import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { sha256 } from './audit';
import { UsageError } from './errors';

/**
 * The resumable record of a bulk run: an append-only JSON-lines file, each line flushed to disk
 * (fdatasync) before the run moves on.
 *
 *   {"journal":1, "command":..., "args":..., "tenant":..., "digest":..., "items":N}   header
 *   {"i":7,"user":"a@x.com","s":"start"}                     before item 7's first request
 *   {"i":7,"user":"a@x.com","s":"done","id":"auth0|..."}    after it succeeded ("unchanged" too)
 *   {"i":7,"user":"a@x.com","s":"failed"}                    a failure that changed nothing
 *
 * On resume, items whose last record is done/unchanged are skipped: nothing is repeated. Items
 * whose last record is `start` were in flight when the run stopped: they may or may not have
 * been applied, so they run again in "recheck" mode (read the user's state before writing).
 * Everything else runs: nothing is skipped.
 */
export interface JournalHeader {
  journal: 1;
  command: string;
  args: Record<string, string>;
  tenant: string;
  /** sha256 of the input file. */
  digest: string;
  items: number;
}

type Finished = 'done' | 'unchanged';
type JournalRecord =
  { i: number; user: string; s: 'start' | 'failed' } | { i: number; user: string; s: Finished; id: string };

export class Journal {
  /** Items already completed in an earlier run. */
  readonly completed = new Set<number>();
  /** Items that were in flight when an earlier run stopped. */
  readonly inDoubt = new Set<number>();
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    private readonly hashIdentifiers: boolean,
  ) {}

  /**
   * Creates the journal, or reopens it for a resume after checking that it was written for this
   * very command, arguments, tenant and input.
   */
  static open(
    path: string,
    header: JournalHeader,
    users: readonly string[],
    options: { hashIdentifiers?: boolean } = {},
  ): Journal {
    const journal = new Journal(path, options.hashIdentifiers === true);
    lock(path);
    let resumed: boolean;
    try {
      resumed = journal.load(header, users);
    } catch (error) {
      unlock(path);
      throw error;
    }
    journal.fd = openSync(path, 'a', 0o600);
    if (!resumed) journal.append(header);
    return journal;
  }

  start(index: number, user: string): void {
    this.append({ i: index, user: this.identifier(user), s: 'start' });
  }

  finish(index: number, user: string, status: Finished, userId: string): void {
    this.append({ i: index, user: this.identifier(user), s: status, id: this.identifier(userId) });
  }

  failed(index: number, user: string): void {
    this.append({ i: index, user: this.identifier(user), s: 'failed' });
  }

  /** As given, or its sha256 for a journal that must not hold identifiers (an erasure's). */
  private identifier(value: string): string {
    return this.hashIdentifiers ? sha256(value) : value;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    unlock(this.path);
  }

  private append(record: JournalHeader | JournalRecord): void {
    if (this.fd === undefined) throw new Error('journal is closed');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fdatasyncSync(this.fd);
  }

  /** Reads an existing journal; false when there is none yet. */
  private load(expected: JournalHeader, users: readonly string[]): boolean {
    if (!existsSync(this.path)) return false;
    const bytes = readFileSync(this.path);
    // A last line without its newline is a write a crash cut short: it never counted, and new
    // records must not be glued to it.
    const end = bytes.lastIndexOf(0x0a) + 1;
    if (end < bytes.length) truncateSync(this.path, end);
    if (end === 0) return false;
    const [first, ...rest] = bytes
      .subarray(0, end - 1)
      .toString('utf8')
      .split('\n');
    const header = parseLine(this.path, 1, first ?? '');
    const mismatch =
      (['journal', 'command', 'tenant', 'digest', 'items'] as const).find((key) => header[key] !== expected[key]) ??
      (JSON.stringify(header.args) !== JSON.stringify(expected.args) ? 'args' : undefined);
    if (mismatch) {
      throw new UsageError(
        `${this.path} was written for another run (its ${mismatch} differs: ${JSON.stringify(header[mismatch])})`,
        'resume with exactly the same command, arguments, tenant and input file, or pass --journal <new file> to start afresh',
      );
    }
    const last = new Map<number, JournalRecord['s']>();
    rest.forEach((line, n) => {
      const record = parseLine(this.path, n + 2, line);
      const index = record.i;
      if (typeof index !== 'number' || users[index] === undefined || this.identifier(users[index]) !== record.user) {
        throw new UsageError(
          `${this.path}:${n + 2}: record for item ${String(index)} does not match the input`,
          'the journal or the input was edited; start afresh with --journal <new file>',
        );
      }
      last.set(index, record.s as JournalRecord['s']);
    });
    for (const [index, state] of last) {
      if (state === 'done' || state === 'unchanged') this.completed.add(index);
      else if (state === 'start') this.inDoubt.add(index);
    }
    return true;
  }
}

/**
 * One run per journal: `<journal>.lock` holds the owner's pid, created exclusively. A lock whose
 * process is gone (a crash, kill -9) is taken over; a live one refuses the second run.
 */
function lock(path: string): void {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new UsageError(
        `${path} is in use by another run (process ${owner})`,
        'wait for it to finish (or stop it with Ctrl-C), then run again; two runs on one journal would repeat work',
      );
    }
    rmSync(lockPath, { force: true });
  }
  throw new UsageError(`cannot lock ${path}`, `remove ${lockPath} if no run is using the journal`);
}

function unlock(path: string): void {
  rmSync(`${path}.lock`, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLine(path: string, line: number, text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(
    `${path}:${line} is not a journal record`,
    'the journal was edited or belongs to something else; pass --journal <new file> to start afresh',
  );
}
