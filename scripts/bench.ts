// npm run bench: the measured figures (docs in README "Benchmarks").
import { runBench } from '../tooling/bench';

runBench().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
