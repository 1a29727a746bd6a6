import { Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';

/**
 * The progress display of long runs (bulk user operations, npm start's deploy), on cli-progress:
 * on a terminal a line redrawn in place; otherwise (CI logs, redirected output) a plain line
 * every `plainEveryMs`, with no control sequences. What the line says is the caller's.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY: boolean;
}

export interface ProgressOptions {
  /** The line, from the current count and the time elapsed; plain text. */
  line: (state: { value: number; total: number; elapsedMs: number }) => string;
  ttyEveryMs: number;
  plainEveryMs: number;
  /** On a terminal, erase the line at the end (else it stays, followed by a line break). */
  clearOnStop: boolean;
}

// ESC 7 / ESC 8 (DECSC / DECRC).
const SAVE_OR_RESTORE_CURSOR = new RegExp(`${String.fromCharCode(0x1b)}[78]`, 'g');

export class ProgressDisplay {
  private readonly bar: SingleBar;

  constructor(stream: ProgressStream, options: ProgressOptions) {
    // cli-progress writes to a Node stream and reads its isTTY; ours may be a test's capture.
    // It also saves the cursor at start and restores it at stop, which would put the final line
    // back over anything printed meanwhile (Ctrl-C's "stopping" notice): those two are dropped.
    const target = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          stream.write(chunk.toString('utf8').replace(SAVE_OR_RESTORE_CURSOR, ''));
          done();
        },
      }),
      { isTTY: stream.isTTY },
    );
    this.bar = new SingleBar({
      stream: target,
      noTTYOutput: true,
      fps: 1000 / options.ttyEveryMs,
      notTTYSchedule: options.plainEveryMs,
      // Off a terminal the erase is a no-op: no blank line after the last plain line.
      clearOnComplete: options.clearOnStop || !stream.isTTY,
      // Never change terminal modes (cursor, line wrapping): a second Ctrl-C exits at once, and
      // would leave them changed. A line wider than the terminal is cut instead.
      hideCursor: false,
      linewrap: true,
      format: (_options, params) =>
        options.line({
          value: params.value,
          total: params.total,
          elapsedMs: (params.stopTime ?? Date.now()) - params.startTime,
        }),
    });
  }

  start(total: number): void {
    this.bar.start(total, 0);
  }

  update(value: number): void {
    this.bar.update(value);
  }

  /** Draws the final state and stops redrawing. */
  stop(): void {
    this.bar.stop();
  }
}
