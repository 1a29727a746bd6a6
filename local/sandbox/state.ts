import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** Files the sandbox keeps in its state folder (default `.sandbox/` at the repository root). */
export interface StatePaths {
  dir: string;
  database: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  signingKey: string;
  /** Bootstrap deploy client credentials (client id + secret), readable by the owner only. */
  deployClient: string;
}

export const DEFAULT_STATE_DIR = resolve(__dirname, '..', '..', '.sandbox');

// Written on creation; --reset refuses to delete a folder without it (a mistyped path).
const MARKER = '.auth0-sandbox-state';

export function statePaths(dir: string): StatePaths {
  const root = resolve(dir);
  return {
    dir: root,
    database: join(root, 'tenant.db'),
    caCert: join(root, 'ca.pem'),
    caKey: join(root, 'ca-key.pem'),
    serverCert: join(root, 'server.pem'),
    serverKey: join(root, 'server-key.pem'),
    signingKey: join(root, 'signing-key.pem'),
    deployClient: join(root, 'deploy-client.json'),
  };
}

/**
 * `true` wipes the whole folder; `'tenant'` wipes the tenant (database, credentials, generated
 * secrets) but keeps the CA, the server certificate and the signing key, so that a browser told
 * to trust the CA keeps trusting the sandbox across fresh starts (npm start).
 */
export type ResetMode = boolean | 'tenant';

/** Creates the state folder (or wipes it first, see ResetMode) and returns its paths. */
export function prepareStateDir(dir: string, options: { reset: ResetMode }): StatePaths {
  const paths = statePaths(dir);
  if (existsSync(paths.dir)) {
    const entries = readdirSync(paths.dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(`${paths.dir} exists but is not a sandbox state folder; refusing to use it`);
    }
    if (options.reset === true) rmSync(paths.dir, { recursive: true, force: true });
    if (options.reset === 'tenant') {
      const keep = new Set(
        [paths.caCert, paths.caKey, paths.serverCert, paths.serverKey, paths.signingKey].map((file) => basename(file)),
      );
      for (const entry of entries)
        if (!keep.has(entry)) rmSync(join(paths.dir, entry), { recursive: true, force: true });
    }
  }
  // The database holds client secrets and Action secret values: owner-only, like the key files.
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  writeFileSync(join(paths.dir, MARKER), 'Local Auth0 sandbox state; safe to delete (npm run sandbox -- --reset).\n');
  // SQLite gives its -wal and -shm files the database file's mode, so create it owner-only.
  if (!existsSync(paths.database)) writeFileSync(paths.database, '', { mode: 0o600 });
  return paths;
}
