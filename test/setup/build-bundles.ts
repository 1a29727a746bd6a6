import { buildSync } from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

// Interim: bundles every actions/<name>/index.ts to dist/actions/<name>.js.
// Replaced by tooling/build once the build issue lands.
export default function setup(): void {
  const root = join(__dirname, '..', '..');
  for (const name of readdirSync(join(root, 'actions'))) {
    const entry = join(root, 'actions', name, 'index.ts');
    if (!existsSync(entry)) continue;
    buildSync({ entryPoints: [entry], outfile: join(root, 'dist', 'actions', `${name}.js`), bundle: true, platform: 'node', format: 'cjs', target: 'node22' });
  }
}
