import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startSandbox } from '../../local/sandbox';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A sandbox state folder whose CA, server certificate and signing key test sandboxes start from. */
    sandboxKeysDir: string;
  }
}

// A fresh sandbox generates three RSA keys (CA, server certificate, token signing): about a second
// of CPU each time, most of a unit file's setup. Generate them once per run; each test sandbox
// copies them and starts with `reset: 'tenant'` (what npm start does), so its tenant is still new.
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-keys-'));
  const sandbox = await startSandbox({ stateDir: dir, port: 0 });
  await sandbox.close();
  project.provide('sandboxKeysDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
