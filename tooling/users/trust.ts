import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxCaPath } from './target';

/**
 * Which extra CA certificates `npm run users` must trust. The sandbox serves HTTPS with its own
 * CA, and Node reads NODE_EXTRA_CA_CERTS only at startup, so the entry point re-runs itself when
 * the process does not trust that CA yet. The caller's extra CAs are kept, never replaced: with
 * AUTH0_DOMAIN the run may target another server (the bench's own sandbox) that only the
 * caller's CA vouches for. TLS verification is never turned off.
 */
export type CaTrust =
  /** The process already trusts every CA it needs: run here. */
  | { kind: 'ready' }
  /** Re-run trusting this file (the sandbox's CA; the caller named none). */
  | { kind: 'use'; path: string }
  /** Re-run trusting the caller's extra CAs and the sandbox's, in one file. */
  | { kind: 'combine'; pem: string };

export interface CaFiles {
  /** The content of this process's NODE_EXTRA_CA_CERTS; undefined when unset or unreadable (Node then ignored it). */
  callerPem: string | undefined;
  /** The sandbox's CA, when the run targets the sandbox and its state folder has one. */
  sandboxPath: string | undefined;
  sandboxPem: string | undefined;
}

export function planCaTrust(files: CaFiles): CaTrust {
  const sandboxPem = files.sandboxPem?.trim();
  if (!files.sandboxPath || !sandboxPem) return { kind: 'ready' };
  // Content, not path: a bundle that already holds the CA (or the file a re-run was given) is enough.
  if (files.callerPem?.includes(sandboxPem)) return { kind: 'ready' };
  if (!files.callerPem?.trim()) return { kind: 'use', path: files.sandboxPath };
  return { kind: 'combine', pem: `${files.callerPem.trimEnd()}\n${sandboxPem}\n` };
}

export interface ExtraCaCerts {
  /** The value of NODE_EXTRA_CA_CERTS for the re-run. */
  path: string;
  /** Removes a combined file once the re-run has ended. */
  cleanup(): void;
}

/**
 * The NODE_EXTRA_CA_CERTS a run of `--env <env>` needs, or undefined when this process already
 * trusts what it needs. A combined file goes to a fresh temporary folder (CA certificates are
 * public; the folder is removed by cleanup()).
 */
export function extraCaCerts(
  env: string,
  vars: Readonly<Record<string, string | undefined>>,
): ExtraCaCerts | undefined {
  const sandboxPath = env === 'sandbox' ? sandboxCaPath(vars) : undefined;
  const callerPath = vars.NODE_EXTRA_CA_CERTS?.trim() || undefined;
  const plan = planCaTrust({
    callerPem: callerPath === undefined ? undefined : readOrUndefined(callerPath),
    sandboxPath,
    sandboxPem: sandboxPath === undefined ? undefined : readOrUndefined(sandboxPath),
  });
  switch (plan.kind) {
    case 'ready':
      return undefined;
    case 'use':
      return { path: plan.path, cleanup: () => undefined };
    case 'combine': {
      const dir = mkdtempSync(join(tmpdir(), 'users-ca-'));
      const path = join(dir, 'ca.pem');
      writeFileSync(path, plan.pem);
      return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    }
  }
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
