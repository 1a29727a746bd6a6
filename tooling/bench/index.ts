import { cpus } from 'node:os';
import { buildActions } from '../bundle';
import { printAccount } from './account';
import { benchActions } from './actions';
import { benchBuild } from './build';
import { benchDeploy } from './deploy';
import { benchRuntime } from './runtime';
import { benchBulk } from './users';
import { benchErasure } from './users-erasure';
import { benchUsersScale } from './users-scale';

/** The sections of `npm run bench`, in the order they run. */
const SECTIONS = {
  build: benchBuild,
  runtime: benchRuntime,
  actions: benchActions,
  deploy: benchDeploy,
  'users-scale': benchUsersScale,
  users: benchBulk,
  erasure: benchErasure,
  account: printAccount,
} as const satisfies Record<string, () => Promise<void>>;

type Section = keyof typeof SECTIONS;
const NAMES = Object.keys(SECTIONS) as Section[];
/** Their figures are taken on the bundles in dist/. */
const ON_BUNDLES: readonly Section[] = ['runtime', 'actions'];

/**
 * `npm run bench [-- section…]`: the figures the issues ask for, measured on this machine, in one
 * run; all sections, or only the ones named.
 */
export async function runBench(names: readonly string[] = []): Promise<void> {
  const unknown = names.filter((name) => !NAMES.includes(name as Section));
  if (unknown.length > 0)
    throw new Error(`unknown bench section: ${unknown.join(', ')} (sections: ${NAMES.join(', ')})`);
  const selected = names.length === 0 ? NAMES : NAMES.filter((name) => names.includes(name));
  console.log(`# Benchmarks (${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores)`);
  let bundled = false;
  for (const name of selected) {
    if (ON_BUNDLES.includes(name) && !bundled) {
      await buildActions();
      bundled = true;
    }
    await SECTIONS[name]();
  }
}
