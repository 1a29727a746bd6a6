import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { sha256, type AuditLog } from './audit';
import type { Revocable, UsersApi } from './client';
import { CommandError, describeError } from './errors';
import { isJsonObject, isOwnIdentity, type JsonObject, type User } from './model';

/**
 * Erasure (GDPR art. 17) that leaves nothing and survives failures. In Auth0 a linked account
 * lives inside its primary: unlinking re-creates it as a standalone user, which must then be
 * deleted too. The order is:
 *
 *   1. revoke the primary's sessions, refresh tokens and grants (fail closed: nothing is deleted
 *      while any of them could not be revoked);
 *   2. for each linked account: unlink, then delete the standalone user it became;
 *   3. delete the primary (and any account linked to it meanwhile);
 *   4. remove the copies of metadata `link` kept for these accounts.
 *
 * Every step is recorded, before the next one, in a state file beside the audit log
 * (`<log>.erasures/<sha256 of the primary id>.json`, mode 0600): a re-run after a failure or a
 * crash continues from it, and so finds and deletes an account that was unlinked but not yet
 * deleted. The file holds user ids only while the erasure is unfinished and is removed when it
 * completes; what remains is the receipt, which holds hashes.
 */
export const REVOCABLE: readonly Revocable[] = ['sessions', 'refresh_tokens', 'grants'];

export interface ErasureState {
  format: 'users-erasure/1';
  primary: string;
  /** Linked accounts first, the primary last. */
  planned: string[];
  revoked: Revocable[];
  unlinked: string[];
  deleted: string[];
  started_at: string;
}

export interface ErasureReceipt extends JsonObject {
  format: 'users-erasure-receipt/1';
  subject_sha256: string;
  accounts_deleted: number;
  accounts_sha256: string[];
  revoked: string[];
  saved_metadata_copies_removed: number;
  started_at: string;
  completed_at: string;
  tenant: string;
  client_id: string;
}

export class ErasureStore {
  private readonly dir: string;

  constructor(audit: AuditLog) {
    this.dir = `${audit.path}.erasures`;
  }

  load(primary: string): ErasureState | undefined {
    const path = this.path(primary);
    if (!existsSync(path)) return undefined;
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isErasureState(value) || value.primary !== primary) {
      throw new CommandError(
        'invalid_state',
        `${path} is not the erasure state of this user`,
        'it was edited; move it away and check the user by hand',
      );
    }
    return value;
  }

  /** Written to a temporary file, flushed, then renamed: a crash leaves the old state or the new, never half. */
  save(state: ErasureState): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.path(state.primary);
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(state));
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  }

  remove(primary: string): void {
    rmSync(this.path(primary), { force: true });
  }

  private path(primary: string): string {
    return join(this.dir, `${sha256(primary)}.json`);
  }
}

export function planErasure(user: User, now: Date): ErasureState {
  const linked = user.identities
    .filter((identity) => !isOwnIdentity(user, identity))
    .map((i) => `${i.provider}|${i.user_id}`);
  return {
    format: 'users-erasure/1',
    primary: user.user_id,
    planned: [...linked, user.user_id],
    revoked: [],
    unlinked: [],
    deleted: [],
    started_at: now.toISOString(),
  };
}

export interface ErasureContext {
  api: UsersApi;
  store: ErasureStore;
  audit: AuditLog;
  tenant: string;
  clientId: string;
}

/** Runs (or resumes) the erasure `state` describes; returns its receipt. */
export async function erase(ctx: ErasureContext, state: ErasureState): Promise<ErasureReceipt> {
  const { api, store } = ctx;
  const { primary } = state;
  const step = async (what: string, action: () => Promise<void>): Promise<void> => {
    try {
      await action();
    } catch (error) {
      throw stopped(state, what, error);
    }
    store.save(state);
  };
  store.save(state);
  const current = await api.getUser(primary);
  for (const kind of REVOCABLE) {
    if (state.revoked.includes(kind)) continue;
    // A primary already deleted (a resumed run) has nothing left to revoke.
    await step(`revoking the ${kind.replace('_', ' ')} of ${primary}`, async () => {
      if (current) await api.revoke(kind, primary);
      state.revoked.push(kind);
    });
  }
  // Accounts linked since the plan was made go too.
  for (const identity of current?.identities ?? []) {
    const id = `${identity.provider}|${identity.user_id}`;
    if (current && !isOwnIdentity(current, identity) && !state.planned.includes(id))
      state.planned.splice(state.planned.length - 1, 0, id);
  }
  for (const id of state.planned) {
    if (state.deleted.includes(id) || id === primary) continue;
    const identity = current?.identities.find((i) => `${i.provider}|${i.user_id}` === id);
    if (identity && current && !state.unlinked.includes(id)) {
      await step(`unlinking ${id}`, async () => {
        await api.unlink(primary, identity.provider, identity.user_id);
        state.unlinked.push(id);
      });
    }
    await step(`deleting ${id}`, async () => {
      await deleteIfPresent(api, id);
      state.deleted.push(id);
    });
  }
  if (!state.deleted.includes(primary)) {
    await step(`deleting ${primary}`, async () => {
      await deleteIfPresent(api, primary);
      state.deleted.push(primary);
    });
  }
  const copies = ctx.audit.forget(state.planned);
  store.remove(primary);
  return {
    format: 'users-erasure-receipt/1',
    subject_sha256: sha256(primary),
    accounts_deleted: state.deleted.length,
    accounts_sha256: state.deleted.map(sha256),
    revoked: [...state.revoked],
    saved_metadata_copies_removed: copies,
    started_at: state.started_at,
    completed_at: new Date().toISOString(),
    tenant: ctx.tenant,
    client_id: ctx.clientId,
  };
}

/** A delete that was applied but whose answer was lost is done, not failed: the user is read again. */
async function deleteIfPresent(api: UsersApi, userId: string): Promise<void> {
  try {
    await api.deleteUser(userId);
  } catch (error) {
    if (error instanceof CommandError && error.kind === 'unknown_user') return;
    if (!(await api.getUser(userId))) return;
    throw error;
  }
}

function stopped(state: ErasureState, what: string, error: unknown): CommandError {
  const left = state.planned.filter((id) => !state.deleted.includes(id));
  const orphans = state.unlinked.filter((id) => !state.deleted.includes(id));
  const nothingYet = state.deleted.length === 0 && state.unlinked.length === 0;
  const converted = new CommandError(
    error instanceof CommandError && error.kind === 'api_unavailable' ? 'api_unavailable' : 'api_error',
    `erasure of ${state.primary} not complete: ${what} failed: ${describeError(error).message}. ` +
      `${nothingYet ? 'Nothing was deleted yet' : `Deleted: ${state.deleted.join(', ') || 'none'}`}; still present: ${left.join(', ')}` +
      `${orphans.length > 0 ? ` (${orphans.join(', ')} unlinked, not yet deleted)` : ''}.`,
    `fix the cause, then run the same delete again (users delete ${state.primary} --confirm ${state.primary}): it continues from where this stopped`,
  );
  if (error instanceof CommandError && error.status !== undefined) converted.status = error.status;
  return converted;
}

function isErasureState(value: unknown): value is ErasureState {
  if (
    !isJsonObject(value) ||
    value.format !== 'users-erasure/1' ||
    typeof value.primary !== 'string' ||
    typeof value.started_at !== 'string'
  )
    return false;
  const strings = (key: string): boolean =>
    Array.isArray(value[key]) && (value[key] as unknown[]).every((entry) => typeof entry === 'string');
  return ['planned', 'revoked', 'unlinked', 'deleted'].every(strings);
}
