import { secretLeaves } from '../plan/diff';
import {
  formatEntries,
  KEYWORD_SCOPE,
  LEDGER_MAX_LENGTH,
  LEDGER_METADATA_KEY,
  type Fingerprinter,
  type Fingerprints,
} from '../plan/fingerprints';
import type { ManagementApi } from '../plan/management-api';
import type { DesiredState } from '../plan/plan';

/**
 * Fingerprints of the secrets outside Actions (connection and email-provider credentials), by
 * keyword: the plan's only way to notice a changed value Auth0 never returns (the SMTP password).
 */
export function ledgerEntries(desired: DesiredState, fingerprint: Fingerprinter): Fingerprints {
  const entries: Record<string, string> = {};
  for (const [type, resources] of desired.resources) {
    if (type === 'actions') continue;
    for (const resource of resources) {
      for (const { secret } of secretLeaves(resource.value)) {
        if (secret.value === undefined)
          throw new Error(`${type}: the value of ${secret.keywords.join(', ')} is not set`);
        const key = secret.keywords.join('+');
        entries[key] = fingerprint(KEYWORD_SCOPE, key, secret.value);
      }
    }
  }
  return entries;
}

/** Stored on the deploy client itself (client_metadata merges key by key: nothing else is touched). */
export async function writeLedger(api: ManagementApi, deployClientId: string, entries: Fingerprints): Promise<void> {
  const text = formatEntries(entries);
  if (text.length > LEDGER_MAX_LENGTH)
    throw new Error(
      `the secret fingerprints need ${text.length} characters, over Auth0's ${LEDGER_MAX_LENGTH} for a client_metadata value`,
    );
  await api.patch(`/clients/${encodeURIComponent(deployClientId)}`, {
    client_metadata: { [LEDGER_METADATA_KEY]: text },
  });
}

export function sameEntries(a: Fingerprints | undefined, b: Fingerprints): boolean {
  return a !== undefined && formatEntries(a) === formatEntries(b);
}
