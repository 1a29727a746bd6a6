import { benchActions } from './bench/actions';
import { benchRuntime } from './bench/runtime';

/** `npm run bench`: the figures the issues ask for, measured on this machine, in one run. */
async function main(): Promise<void> {
  console.log(`# Benchmarks (${new Date().toISOString()}, Node ${process.version}, ${require('node:os').cpus().length} cores)`);
  await benchRuntime();
  await benchActions();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
