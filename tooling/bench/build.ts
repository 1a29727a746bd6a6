import { buildActions } from '../bundle';
import { kb, percentiles, table } from './stats';

/** Build time for all Actions (bundling and checks, in memory) and each bundle's size. */
export async function benchBuild(): Promise<void> {
  const times: number[] = [];
  let last = await buildActions({ write: false });
  for (let i = 0; i < 10; i++) {
    last = await buildActions({ write: false });
    times.push(last.ms);
  }
  const stats = percentiles(times);
  console.log(
    `\n## Build: all ${last.actions.length} Actions in ${stats.p50.toFixed(0)} ms (p50 of 10 warm builds; max ${Math.max(...times).toFixed(0)} ms)\n`,
  );
  console.log(
    table(
      last.actions.map((a) => ({
        action: a.name,
        bundle: kb(a.bytes),
        bytes: a.bytes,
        'of 100 kB': `${((a.bytes / (100 * 1024)) * 100).toFixed(1)}%`,
        'source hash': a.sourceHash,
      })),
    ),
  );
}
