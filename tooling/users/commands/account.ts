import type { User } from '../model';
import { isOwnIdentity } from '../model';
import { parseUserRef, resolveUser } from '../resolve';
import { subject, type Command, type Outcome, type RunContext, type Item } from './types';

/** show, block, unblock, unblock-brute-force: the account as a whole. */

export const show: Command = {
  name: 'show',
  summary: 'print a user: identities, block state, metadata',
  args: [],
  mutates: false,
  bulk: false,
  run: async (ctx, item) => {
    const user = await resolveUser(ctx.api, parseUserRef(item.user));
    return { status: 'done', userId: user.user_id, message: describeUser(user), data: user.raw };
  },
};

function setBlocked(blocked: boolean): Command['run'] {
  return async (ctx: RunContext, item: Item): Promise<Outcome> => {
    const verb = blocked ? 'blocked' : 'unblocked';
    const { userId, user } = await subject(ctx, item);
    if (user.blocked === blocked) return { status: 'unchanged', userId, message: `${userId} is already ${verb}` };
    if (ctx.dryRun) return { status: 'planned', userId, message: `would set blocked=${blocked} on ${userId}` };
    await ctx.api.updateUser(userId, { blocked });
    return { status: 'done', userId, message: `${verb} ${userId}` };
  };
}

export const block: Command = {
  name: 'block',
  summary: 'block the account (Auth0 `blocked`: no login to any application)',
  args: [],
  mutates: true,
  bulk: true,
  run: setBlocked(true),
};

export const unblock: Command = {
  name: 'unblock',
  summary: 'lift the account-wide block',
  args: [],
  mutates: true,
  bulk: true,
  run: setBlocked(false),
};

export const unblockBruteForce: Command = {
  name: 'unblock-brute-force',
  summary: 'clear brute-force protection blocks (user-blocks) after too many failed logins',
  args: [],
  mutates: true,
  bulk: true,
  run: async (ctx, item) => {
    // Listing first says what was cleared; clearing is idempotent either way.
    const { userId } = await subject(ctx, item);
    const blocks = await ctx.api.userBlocks(userId);
    if (blocks.length === 0) return { status: 'unchanged', userId, message: `${userId} has no brute-force blocks` };
    const what = blocks.map((b) => b.ip ?? b.identifier).join(', ');
    if (ctx.dryRun)
      return {
        status: 'planned',
        userId,
        message: `would clear ${blocks.length} brute-force block(s) of ${userId}: ${what}`,
      };
    await ctx.api.clearUserBlocks(userId);
    return { status: 'done', userId, message: `cleared ${blocks.length} brute-force block(s) of ${userId}: ${what}` };
  },
};

function describeUser(user: User): string {
  const raw = user.raw;
  const lines = [
    `${user.user_id}  ${user.email ?? '(no email)'}${user.email ? (user.email_verified ? ' (verified)' : ' (not verified)') : ''}`,
    `  blocked: ${user.blocked ? 'yes' : 'no'}`,
    '  identities:',
    ...user.identities.map(
      (i) => `    ${i.provider}|${i.user_id}  ${i.connection}${isOwnIdentity(user, i) ? ' (own)' : ' (linked)'}`,
    ),
  ];
  for (const field of ['name', 'created_at', 'updated_at', 'last_login', 'logins_count'] as const) {
    const value = raw[field];
    if (typeof value === 'string' || typeof value === 'number') lines.push(`  ${field}: ${value}`);
  }
  lines.push(
    `  app_metadata: ${JSON.stringify(user.app_metadata)}`,
    `  user_metadata: ${JSON.stringify(user.user_metadata)}`,
  );
  return lines.join('\n');
}
