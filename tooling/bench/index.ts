import { cpus } from 'node:os';
import { buildActions } from '../bundle';
import { benchActions } from './actions';
import { benchBuild } from './build';
import { benchDeploy } from './deploy';
import { benchRuntime } from './runtime';
import { benchBulk } from './users';
import { benchErasure } from './users-erasure';
import { benchUsersScale } from './users-scale';

/** `npm run bench`: the figures the issues ask for, measured on this machine, in one run. */
export async function runBench(): Promise<void> {
  console.log(`# Benchmarks (${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores)`);
  await benchBuild();
  await buildActions(); // the Action figures are taken on the bundles in dist/
  await benchRuntime();
  await benchActions();
  await benchDeploy();
  await benchUsersScale();
  await benchBulk();
  await benchErasure();
}
