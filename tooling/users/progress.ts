import { ProgressDisplay, type ProgressStream } from '../progress';

const REDRAW_MS = 100;
const LINE_EVERY_MS = 5_000;
const BAR_WIDTH = 30;

/**
 * Progress of a bulk run on stderr (stdout carries results only): done/total, throughput, time
 * left and failures, as a bar on a terminal, a plain `progress:` line every few seconds otherwise.
 */
export class Progress {
  private finished = 0;
  private failed = 0;
  private readonly display: ProgressDisplay;
  private readonly total: number;

  /**
   * `total`: items this run will attempt (completed ones from a journal excluded); `pausedFor`:
   * how long the run still waits out a rate limit (a 429), shown so a stall is not mistaken for a hang.
   */
  constructor(sink: ProgressStream, total: number, pausedFor: () => number = () => 0) {
    this.display = new ProgressDisplay(sink, {
      ttyEveryMs: REDRAW_MS,
      plainEveryMs: LINE_EVERY_MS,
      clearOnStop: false,
      line: ({ value, elapsedMs }) => {
        const rate = value / Math.max(elapsedMs / 1000, 0.001);
        const left = total - value;
        const eta = rate > 0 && left > 0 ? `, ${formatDuration(left / rate)} left` : '';
        const paused = pausedFor();
        const stall = paused > 0 ? `, paused by the rate limit (429), resuming in ${Math.ceil(paused / 1000)}s` : '';
        const stats = `${value}/${total} (${rate.toFixed(1)}/s${eta})${this.failed > 0 ? `, ${this.failed} failed` : ''}${stall}`;
        if (!sink.isTTY) return `progress: ${stats}`;
        const filled = total === 0 ? BAR_WIDTH : Math.round((value / total) * BAR_WIDTH);
        return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${stats}`;
      },
    });
    this.total = total;
  }

  /** From here the rate is measured and the display drawn. */
  start(): void {
    this.display.start(this.total);
  }

  tick(failed: boolean): void {
    this.finished += 1;
    if (failed) this.failed += 1;
    this.display.update(this.finished);
  }

  /** The final state (if started), and a line break after a bar. */
  end(): void {
    this.display.stop();
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
