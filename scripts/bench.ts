// npm run bench [-- section…]: the measured figures (docs in README "Benchmarks").
import { runBench } from '../tooling/bench';

runBench(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
