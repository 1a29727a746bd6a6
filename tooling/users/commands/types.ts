import type { AuditLog } from '../audit';
import type { UsersApi } from '../client';
import type { JsonObject, JsonValue, User } from '../model';
import { parseUserRef, resolveUser } from '../resolve';

/** One unit of work: a command applied to one user (one line of a bulk input). */
export interface Item {
  /** 0-based position in the bulk input; 0 for a single command. */
  index: number;
  /** As the operator wrote it: a user id or an email. */
  user: string;
  /** The command's other arguments by name (e.g. `client_id`). */
  args: Readonly<Record<string, string>>;
}

export interface RunContext {
  api: UsersApi;
  /** `host[:port]` of the tenant, for exports. */
  tenant: string;
  dryRun: boolean;
  /**
   * The item may already have been applied (a previous run stopped while it was in flight):
   * check the user's state before writing instead of writing blindly.
   */
  recheck: boolean;
  /** `--confirm` for delete and link. */
  confirm: string | undefined;
  /** A bulk delete confirmed as a whole (--confirm <number of users>). */
  bulkConfirmed: boolean;
  /** Options of one command (link's overrides, update's edits...). */
  options: CommandOptions;
  /** The audit trail; link and delete need it for the copies they keep or remove. */
  audit: AuditLog | undefined;
  /** The client the tool acts as, for erasure receipts. */
  clientId: string;
  /** A progress note for the operator (stderr). */
  note(text: string): void;
  /** Wait between a metadata write and its verification read (see metadata.ts). */
  settleMs: number;
  clientExists(clientId: string): Promise<boolean>;
}

export type Status = 'done' | 'unchanged' | 'planned';

export interface Outcome {
  status: Status;
  userId: string;
  /** One line for people: what happened (or would happen, for a dry run). */
  message: string;
  /** Machine-readable details (`--json`), and what `show` / `export` print. */
  data?: JsonValue;
  /** What the audit line records besides the target id: ids, names and counts, never personal data. */
  audit?: JsonObject;
}

/** Command-specific options from the command line. */
export interface CommandOptions {
  /** link: carry the secondary's blocks over to the primary instead of refusing. */
  carryBlocks: boolean;
  /** link: link although the two emails differ. */
  allowEmailMismatch: boolean;
  /** link: link although an email is not verified. */
  allowUnverified: boolean;
  /** unlink: restore the metadata the link discarded onto the detached account. */
  restoreMetadata: boolean;
  /** update: raw `field=value` / `key=json` edits, parsed by the command. */
  set: readonly string[];
  unset: readonly string[];
  setMeta: readonly string[];
  unsetMeta: readonly string[];
  /** reset-password */
  ttlSec: number | undefined;
  resultUrl: string | undefined;
  /** reset-password: Auth0 emails the reset link (reset_email) instead of the tool printing a ticket. */
  sendEmail: boolean;
  /** import-users: update users that exist already. */
  upsert: boolean;
  /** export-users */
  output: string | undefined;
  connection: string | undefined;
  format: 'json' | 'csv';
  fields: readonly string[];
}

export const NO_OPTIONS: CommandOptions = {
  carryBlocks: false,
  allowEmailMismatch: false,
  allowUnverified: false,
  restoreMetadata: false,
  set: [],
  unset: [],
  setMeta: [],
  unsetMeta: [],
  ttlSec: undefined,
  resultUrl: undefined,
  sendEmail: false,
  upsert: false,
  output: undefined,
  connection: undefined,
  format: 'json',
  fields: [],
};

export interface Command {
  name: string;
  summary: string;
  /** Arguments after `<user>`, by name; in bulk mode, CSV columns or JSON fields of that name. */
  args: readonly ArgSpec[];
  /** False for a command about the whole tenant (export-users): no <user>. */
  takesUser?: false;
  /** Changes state: accepts --dry-run. */
  mutates: boolean;
  /** Runs over a list with --from. */
  bulk: boolean;
  run(ctx: RunContext, item: Item): Promise<Outcome>;
}

export interface ArgSpec {
  name: string;
  description: string;
  /** Throws a UsageError naming the problem; returns the normalised value. */
  parse(value: string): string;
}

/**
 * The user an item targets, always read first: whether named by id or by email, a write that
 * would change nothing is reported "already ..." and not sent.
 */
export async function subject(ctx: RunContext, item: Item): Promise<{ userId: string; user: User }> {
  const user = await resolveUser(ctx.api, parseUserRef(item.user));
  return { userId: user.user_id, user };
}

export function arg(item: Item, name: string): string {
  const value = item.args[name];
  // Commands declare their args; the CLI and the bulk reader fill every declared one.
  if (value === undefined) throw new Error(`internal: argument ${name} missing`);
  return value;
}
