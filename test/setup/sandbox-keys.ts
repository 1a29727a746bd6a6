import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { TokenSigner } from '../../local/sandbox/auth';
import { prepareStateDir } from '../../local/sandbox/state';
import { loadOrCreateTls } from '../../local/sandbox/tls';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A sandbox state folder whose CA, server certificate and signing key test sandboxes start from. */
    sandboxKeysDir: string;
  }
}

// A fresh sandbox generates three RSA keys (CA, server certificate, token signing): about a second
// of CPU each time, most of a unit file's setup. Generate them once per run, as startSandbox does
// (without loading the whole sandbox: workers wait for this); each test sandbox copies them and
// starts with `reset: 'tenant'` (what npm start does), so its tenant is still new.
export default async function setup(project: TestProject): Promise<() => void> {
  const paths = prepareStateDir(mkdtempSync(join(tmpdir(), 'sandbox-keys-')), { reset: false });
  await loadOrCreateTls(paths);
  new TokenSigner(paths.signingKey);
  project.provide('sandboxKeysDir', paths.dir);
  return () => rmSync(paths.dir, { recursive: true, force: true });
}
