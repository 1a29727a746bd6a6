import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Outcome } from './commands/types';
import { describeError, UsageError } from './errors';
import { isJsonObject, type JsonObject } from './model';
import { parseUserRef } from './resolve';

/**
 * The audit trail: one JSON line per change (and per access export), appended and flushed before
 * the command reports. A line names the user by id only: never an email, a name, metadata or a
 * ticket. `details` carries ids, key and field names, counts, never values.
 *
 * What `link` discards (the secondary's metadata) is personal data, so it is not in the line: it
 * is kept beside the log, in `<log>.saved/<sha256 of the secondary's id>.json` (mode 0600), which
 * the line names. `unlink --restore-metadata` reads it back; `delete` removes the copies of every
 * account it erases.
 */
export type AuditResult = 'done' | 'unchanged' | 'failed';

export interface AuditEntry {
  command: string;
  /** The user id the change was made to; null when the user could not be resolved. */
  target: string | null;
  result: AuditResult;
  /** The failure kind (never its message: that may quote the input). */
  error_kind?: string;
  details?: JsonObject;
}

export interface AuditIdentity {
  operator: string;
  clientId: string;
  tenant: string;
  reason: string | undefined;
}

/** The metadata `link` discarded, kept so `unlink` can restore it. */
export interface SavedMetadata {
  format: 'users-link-saved/1';
  primary: string;
  secondary: string;
  linked_at: string;
  app_metadata: JsonObject;
  user_metadata: JsonObject;
}

export const REASON_MAX = 500;

export class AuditLog {
  private constructor(
    readonly path: string,
    private readonly who: AuditIdentity,
    private readonly now: () => Date,
  ) {}

  /** Opens (creates) the log now, so a run that cannot write its audit fails before any change. */
  static open(path: string, who: AuditIdentity, now: () => Date = () => new Date()): AuditLog {
    try {
      mkdirSync(dirname(path), { recursive: true });
      closeSync(openSync(path, 'a', 0o600));
    } catch (error) {
      throw new UsageError(
        `cannot open the audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        'point --audit (or USERS_AUDIT_LOG) at a writable file',
      );
    }
    return new AuditLog(path, who, now);
  }

  append(entry: AuditEntry): void {
    const line = {
      time: this.now().toISOString(),
      operator: this.who.operator,
      client_id: this.who.clientId,
      tenant: this.who.tenant,
      ...entry,
      ...(this.who.reason === undefined ? {} : { reason: this.who.reason }),
    };
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(line)}\n`);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Keeps what a link discards; returns the file name the audit line cites. */
  saveLinked(saved: SavedMetadata): string {
    const file = savedName(saved.secondary);
    mkdirSync(this.savedDir(), { recursive: true, mode: 0o700 });
    writeFileSync(join(this.savedDir(), file), `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    return file;
  }

  /** What a link of `secondary` under `primary` discarded, if this log kept it. */
  savedFor(primary: string, secondary: string): SavedMetadata | undefined {
    const path = join(this.savedDir(), savedName(secondary));
    if (!existsSync(path)) return undefined;
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (
      !isJsonObject(value) ||
      value.format !== 'users-link-saved/1' ||
      value.primary !== primary ||
      value.secondary !== secondary
    )
      return undefined;
    if (!isJsonObject(value.app_metadata) || !isJsonObject(value.user_metadata) || typeof value.linked_at !== 'string')
      return undefined;
    return {
      format: 'users-link-saved/1',
      primary,
      secondary,
      linked_at: value.linked_at,
      app_metadata: value.app_metadata,
      user_metadata: value.user_metadata,
    };
  }

  /** Removes the kept copies of erased accounts' metadata; returns how many there were. */
  forget(userIds: readonly string[]): number {
    let removed = 0;
    for (const id of userIds) {
      const path = join(this.savedDir(), savedName(id));
      if (existsSync(path)) {
        rmSync(path);
        removed += 1;
      }
    }
    return removed;
  }

  private savedDir(): string {
    return `${this.path}.saved`;
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function savedName(userId: string): string {
  return `${sha256(userId)}.json`;
}

/** Who runs the tool: USERS_OPERATOR, else git's user.email, else user.name. */
export function operatorName(env: Readonly<Record<string, string | undefined>>): string {
  const named = env.USERS_OPERATOR?.trim();
  if (named) return named;
  for (const key of ['user.email', 'user.name']) {
    try {
      const value = execFileSync('git', ['config', '--get', key], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      if (value) return value;
    } catch {
      // not configured: try the next one
    }
  }
  return 'unknown (set USERS_OPERATOR)';
}

export function parseReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const text = reason.trim();
  if (text === '' || text.length > REASON_MAX || /[\r\n]/.test(text)) {
    throw new UsageError(
      `--reason must be one line of 1 to ${REASON_MAX} characters`,
      'e.g. --reason "ticket 4711" (a reference, not personal data)',
    );
  }
  return text;
}

/** One audit line for an item: the resolved id on success; on failure the id as given, never an email. */
export function auditEntryFor(command: string, user: string, result: unknown): AuditEntry {
  if (isOutcome(result)) {
    return {
      command,
      target: result.userId === '' ? null : result.userId,
      result: result.status === 'unchanged' ? 'unchanged' : 'done',
      ...(result.audit ? { details: result.audit } : {}),
    };
  }
  let target: string | null = null;
  try {
    const ref = parseUserRef(user);
    if (ref.kind === 'id') target = ref.userId;
  } catch {
    // not a user reference: nothing to name
  }
  return { command, target, result: 'failed', error_kind: describeError(result).kind };
}

function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && 'status' in value && 'userId' in value && 'message' in value;
}
