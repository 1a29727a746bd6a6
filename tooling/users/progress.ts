/**
 * Progress of a bulk run on stderr (stdout carries results only): a redrawn bar on a terminal,
 * a plain line every few seconds otherwise (CI logs, redirected output).
 */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

const REDRAW_MS = 100;
const LINE_EVERY_MS = 5_000;
const BAR_WIDTH = 30;

export class Progress {
  private finished = 0;
  private failed = 0;
  private lastDraw = 0;
  private readonly startedAt: number;

  constructor(
    private readonly sink: ProgressSink,
    /** Items this run will attempt (completed ones from a journal excluded). */
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.lastDraw = this.startedAt;
  }

  tick(failed: boolean): void {
    this.finished += 1;
    if (failed) this.failed += 1;
    const now = this.now();
    if (now - this.lastDraw >= (this.sink.isTTY ? REDRAW_MS : LINE_EVERY_MS)) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  /** The final state, and a line break after a bar. */
  end(): void {
    this.draw(this.now());
    if (this.sink.isTTY) this.sink.write('\n');
  }

  private draw(now: number): void {
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const rate = this.finished / seconds;
    const left = this.total - this.finished;
    const eta = rate > 0 && left > 0 ? `, ${formatDuration(left / rate)} left` : '';
    const stats = `${this.finished}/${this.total} (${rate.toFixed(1)}/s${eta})${this.failed > 0 ? `, ${this.failed} failed` : ''}`;
    if (this.sink.isTTY) {
      const filled = this.total === 0 ? BAR_WIDTH : Math.round((this.finished / this.total) * BAR_WIDTH);
      this.sink.write(`\r[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${stats}\x1b[K`);
    } else {
      this.sink.write(`progress: ${stats}\n`);
    }
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
