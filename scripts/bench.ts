import { benchActions } from './bench/actions';
import { benchBuild } from './bench/build';
import { benchDeploy } from './bench/deploy';
import { benchRuntime } from './bench/runtime';
import { benchBulk } from './bench/users';
import { benchUsersScale } from './bench/users-scale';
import { buildActions } from '../tooling/bundle';

/** `npm run bench`: the figures the issues ask for, measured on this machine, in one run. */
async function main(): Promise<void> {
  console.log(`# Benchmarks (${new Date().toISOString()}, Node ${process.version}, ${require('node:os').cpus().length} cores)`);
  await benchBuild();
  await buildActions(); // the Action figures are taken on the bundles in dist/
  await benchRuntime();
  await benchActions();
  await benchDeploy();
  await benchUsersScale();
  await benchBulk();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
