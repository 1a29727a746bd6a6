import { join, resolve } from 'node:path';

/** Where the project keeps sources and outputs. Tests point `root` at a copy in a temp dir. */
export interface ProjectPaths {
  root: string;
  /** Action sources: `<actionsDir>/<name>/index.ts`, shared code in `lib/`. */
  actionsDir: string;
  /** Bundles: `<distDir>/<name>.js` (gitignored). */
  distDir: string;
  tenantDir: string;
  tenantFile: string;
  environmentsDir: string;
  /** Documents every secret's environment variable (the only env file the repo may hold). */
  envExample: string;
}

export const REPO_ROOT = resolve(__dirname, '..');

export function projectPaths(root: string = REPO_ROOT): ProjectPaths {
  const tenantDir = join(root, 'tenant');
  return {
    root,
    actionsDir: join(root, 'actions'),
    distDir: join(root, 'dist', 'actions'),
    tenantDir,
    tenantFile: join(tenantDir, 'tenant.yaml'),
    environmentsDir: join(tenantDir, 'environments'),
    envExample: join(tenantDir, '.env.example'),
  };
}
