/** Timing helpers for `npm run bench`: percentiles over many runs, printed in one format. */

export interface Percentiles {
  runs: number;
  p50: number;
  p99: number;
  mean: number;
}

export function percentiles(samplesMs: number[]): Percentiles {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { runs: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times measured. */
export async function sample(fn: () => unknown, runs: number, warmup = Math.min(200, runs)): Promise<Percentiles> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return percentiles(samples);
}

export const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`;

export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const headers = Object.keys(rows[0] as object);
  const cells = rows.map((r) => headers.map((h) => String(r[h] ?? '')));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i] as number)).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
