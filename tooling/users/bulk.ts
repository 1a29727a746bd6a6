import { auditEntryFor, type AuditLog } from './audit';
import type { Command, Item, Outcome, RunContext, Status } from './commands';
import { describeError, type FailureKind } from './errors';
import type { BulkItem } from './input';
import type { Journal } from './journal';
import type { Progress } from './progress';

/**
 * Runs one command over a list: `concurrency` items at a time (requests are paced by the shared
 * RateGate inside the API client), never two items for the same user at once, each recorded in
 * the journal. `stop()` lets the items in flight finish and record themselves, then returns: a
 * rerun with the same journal picks up exactly where this one left off.
 */
export interface BulkOptions {
  concurrency: number;
  /** Absent for a dry run: nothing is recorded. */
  journal?: Journal;
  progress: Progress;
  /** Called with each item's outcome line (dry runs print their plan). */
  onOutcome?: (item: BulkItem, message: string) => void;
  /** Absent for a dry run: nothing changes. */
  audit?: AuditLog;
}

export interface BulkFailure {
  line: number;
  user: string;
  kind: FailureKind | 'usage' | 'internal';
  message: string;
}

export interface BulkSummary {
  total: number;
  /** Completed in an earlier run (journal). */
  skipped: number;
  counts: Record<Status, number>;
  failures: BulkFailure[];
  /** In flight when an earlier run stopped; checked before being written again. */
  rechecked: number;
  /** Stopped before every item was attempted. */
  interrupted: boolean;
  elapsedMs: number;
}

// Failures after which the change may have happened: left "in flight" in the journal, so a
// resume checks the user's state before writing.
const UNCERTAIN: ReadonlySet<string> = new Set(['api_unavailable', 'internal', 'interrupted']);
// Failures after which the user is read again: a write that was applied though its answer was
// lost (or throttled once too often) is done, not failed.
const REREAD: ReadonlySet<string> = new Set(['api_unavailable', 'rate_limited']);

/**
 * Runs the command on one item; after a failure that may hide an applied write, reads the user
 * again (a dry run in recheck mode): if the change holds now, it was made, and is reported done.
 */
export async function runChecked(command: Command, ctx: RunContext, item: Item): Promise<Outcome> {
  try {
    return await command.run(ctx, item);
  } catch (error) {
    if (ctx.dryRun || !REREAD.has(describeError(error).kind)) throw error;
    let check: Outcome;
    try {
      check = await command.run({ ...ctx, dryRun: true, recheck: true }, item);
    } catch {
      throw error;
    }
    if (check.status !== 'unchanged') throw error;
    return {
      status: 'done',
      userId: check.userId,
      message: `${check.message} (applied: the answer was lost, a re-read confirms it)`,
    };
  }
}

export class BulkRun {
  private stopping = false;
  /** Items an interrupt cut short (left in flight in the journal). */
  private cut = 0;

  constructor(
    private readonly command: Command,
    private readonly ctx: Omit<RunContext, 'recheck'>,
    private readonly items: readonly BulkItem[],
    private readonly options: BulkOptions,
  ) {}

  /** Stop taking new items; those in flight finish. */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<BulkSummary> {
    const started = Date.now();
    const { journal } = this.options;
    const pending = this.items.filter((item) => !journal?.completed.has(item.index));
    const summary: BulkSummary = {
      total: this.items.length,
      skipped: this.items.length - pending.length,
      counts: { done: 0, unchanged: 0, planned: 0 },
      failures: [],
      rechecked: 0,
      interrupted: false,
      elapsedMs: 0,
    };
    const locks = new KeyedLock();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!this.stopping && next < pending.length) {
        const item = pending[next++] as BulkItem;
        await locks.run(item.user.toLowerCase(), () => this.runItem(item, summary));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.options.concurrency, pending.length)) }, worker));
    summary.interrupted = this.stopping && (next < pending.length || this.cut > 0);
    summary.elapsedMs = Date.now() - started;
    summary.failures.sort((a, b) => a.line - b.line);
    return summary;
  }

  private async runItem(item: BulkItem, summary: BulkSummary): Promise<void> {
    const { journal, progress } = this.options;
    const recheck = journal?.inDoubt.has(item.index) ?? false;
    if (recheck) summary.rechecked += 1;
    journal?.start(item.index, item.user);
    try {
      const outcome = await runChecked(this.command, { ...this.ctx, recheck }, item);
      if (outcome.status !== 'planned') journal?.finish(item.index, item.user, outcome.status, outcome.userId);
      this.options.audit?.append(auditEntryFor(this.command.name, item.user, outcome));
      summary.counts[outcome.status] += 1;
      this.options.onOutcome?.(item, outcome.message);
      progress.tick(false);
    } catch (error) {
      const { kind, message } = describeError(error);
      // Stopped before its next request: left in flight for the resume, not a failure.
      if (kind === 'interrupted') {
        this.cut += 1;
        return;
      }
      if (!UNCERTAIN.has(kind)) journal?.failed(item.index, item.user);
      this.options.audit?.append(auditEntryFor(this.command.name, item.user, error));
      summary.failures.push({ line: item.line, user: item.user, kind, message });
      progress.tick(true);
    }
  }
}

/** Runs tasks with the same key one after another; different keys run concurrently. */
class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
