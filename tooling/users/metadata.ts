import { setTimeout as sleep } from 'node:timers/promises';
import type { UsersApi } from './client';
import { CommandError } from './errors';
import type { JsonValue, User } from './model';

/**
 * Edits of one app_metadata array key (`blocked_apps`, `entitlements`) that never touch other
 * keys and do not silently lose concurrent edits of the same key.
 *
 * Auth0 merges app_metadata at the top level only, so a PATCH of `{app_metadata: {blocked_apps:
 * [...]}}` leaves every other key alone (account_linking, terms, ... written by the Actions at
 * login), but it replaces the whole array. Auth0 has no conditional update (no ETag/If-Match), so
 * each edit is an *intent* ("this id is in the list", "this id is not") applied optimistically:
 *
 *   1. read the user, compute the new array from the current one (no write if already satisfied);
 *   2. PATCH only that key;
 *   3. wait `settleMs`, read again: if a concurrent writer replaced the array after our write with
 *      one computed from older data and our intent no longer holds, go back to 1 (bounded).
 *
 * Two writers following this protocol both see their intent survive, unless one writer's whole
 * read→write round trip falls between the other's write and its check, which the settle delay
 * makes unlikely. A writer that does not follow it (a hand-edit in the dashboard) and writes
 * between our read and our write can still be overwritten: no Auth0 API can prevent that. Within
 * one run of this tool, work on the same user is serialised, so the tool never races itself.
 */
export type ArrayKey = 'blocked_apps' | 'entitlements';

export interface ArrayIntent {
  key: ArrayKey;
  op: 'add' | 'remove';
  value: string;
}

export interface ArrayEdit {
  changed: boolean;
  before: JsonValue[];
  after: JsonValue[];
}

const MAX_ATTEMPTS = 5;

export async function editArrayKey(
  api: UsersApi,
  user: User,
  intent: ArrayIntent,
  options: { dryRun: boolean; settleMs: number },
): Promise<ArrayEdit> {
  let current = user;
  const before = readArray(current, intent.key);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const list = readArray(current, intent.key);
    if (holds(list, intent)) return { changed: false, before, after: list };
    const next = apply(list, intent);
    if (options.dryRun) return { changed: true, before, after: next };
    await api.updateUser(current.user_id, { app_metadata: { [intent.key]: next } });
    if (options.settleMs > 0) await sleep(options.settleMs);
    const check = await api.getUser(current.user_id);
    if (!check)
      throw new CommandError('unknown_user', `${current.user_id} was deleted during the edit`, 'nothing to do');
    const after = readArray(check, intent.key);
    if (holds(after, intent)) return { changed: true, before, after };
    current = check;
  }
  throw new CommandError(
    'invalid_state',
    `app_metadata.${intent.key} of ${user.user_id} kept being overwritten by another writer`,
    'find the other process editing this user, then run the command again',
  );
}

/**
 * The key as a list. Absent means empty. Anything else is refused: gate-apps reads a non-array
 * `blocked_apps` as "blocked everywhere", and guessing what was meant could unblock someone.
 */
export function readArray(user: User, key: ArrayKey): JsonValue[] {
  const value = user.app_metadata[key];
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw new CommandError(
    'invalid_state',
    `app_metadata.${key} of ${user.user_id} is ${JSON.stringify(value)}, not a list`,
    `repair it by hand to a list of strings (gate-apps ${key === 'blocked_apps' ? 'blocks every application' : 'grants nothing'} meanwhile)`,
  );
}

function holds(list: readonly JsonValue[], intent: ArrayIntent): boolean {
  return list.includes(intent.value) === (intent.op === 'add');
}

// Other entries, even malformed ones, are kept as they are: they are someone else's data.
function apply(list: readonly JsonValue[], intent: ArrayIntent): JsonValue[] {
  return intent.op === 'add' ? [...list, intent.value] : list.filter((entry) => entry !== intent.value);
}
