import type { UsersApi } from '../client';
import type { JsonValue, User } from '../model';
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
  /** `--confirm` for delete. */
  confirm: string | undefined;
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
}

export interface Command {
  name: string;
  summary: string;
  /** Arguments after `<user>`, by name; in bulk mode, CSV columns or JSON fields of that name. */
  args: readonly ArgSpec[];
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
 * The user an item targets. With an id and no need to look first, the write goes out blind
 * (one request per user in bulk); with an email, a dry run or a recheck, the user is read.
 */
export async function subject(ctx: RunContext, item: Item, needUser: boolean): Promise<{ userId: string; user?: User }> {
  const ref = parseUserRef(item.user);
  if (ref.kind === 'id' && !needUser && !ctx.dryRun && !ctx.recheck) return { userId: ref.userId };
  const user = await resolveUser(ctx.api, ref);
  return { userId: user.user_id, user };
}

export function arg(item: Item, name: string): string {
  const value = item.args[name];
  // Commands declare their args; the CLI and the bulk reader fill every declared one.
  if (value === undefined) throw new Error(`internal: argument ${name} missing`);
  return value;
}
