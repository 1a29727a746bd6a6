import { CommandError, UsageError } from '../errors';
import { editArrayKey, readArray } from '../metadata';
import { isOwnIdentity, splitUserId, type JsonObject, type User } from '../model';
import { parseUserRef, resolveUser } from '../resolve';
import { arg, type Command, type CommandOptions, type RunContext } from './types';

/**
 * link, unlink: account linking by hand (what prompt-account-linking does after consent). A link
 * must never lift a block, merge two different people, or lose data without a copy.
 */

/** Why a link is refused, and the override flag that allows it (none for a block: carry it over instead). */
export interface LinkCheck {
  problem: string;
  override: '--carry-blocks' | '--allow-email-mismatch' | '--allow-unverified';
}

/** Everything that stands against linking `secondary` under `primary`, given the operator's overrides. */
export function linkProblems(
  primary: User,
  secondary: User,
  options: Pick<CommandOptions, 'carryBlocks' | 'allowEmailMismatch' | 'allowUnverified'>,
): LinkCheck[] {
  const problems: LinkCheck[] = [];
  const missingApps = blockedAppsToCarry(primary, secondary);
  if (!options.carryBlocks) {
    if (secondary.blocked && !primary.blocked)
      problems.push({
        problem: `${secondary.user_id} is blocked and ${primary.user_id} is not`,
        override: '--carry-blocks',
      });
    if (missingApps.length > 0) {
      problems.push({
        problem: `${secondary.user_id} is blocked for ${missingApps.length} application(s) ${primary.user_id} is not (${missingApps.join(', ')})`,
        override: '--carry-blocks',
      });
    }
  }
  const emails = [primary.email, secondary.email].map((email) => email?.toLowerCase());
  if (!options.allowEmailMismatch && (emails[0] === undefined || emails[0] !== emails[1])) {
    problems.push({
      problem: 'the two accounts do not have the same email address',
      override: '--allow-email-mismatch',
    });
  }
  if (!options.allowUnverified) {
    for (const user of [primary, secondary]) {
      if (!user.email_verified)
        problems.push({ problem: `the email of ${user.user_id} is not verified`, override: '--allow-unverified' });
    }
  }
  return problems;
}

/** The secondary's blocked_apps entries the primary lacks (a non-list on either side is refused by readArray). */
export function blockedAppsToCarry(primary: User, secondary: User): string[] {
  const have = new Set(readArray(primary, 'blocked_apps'));
  return readArray(secondary, 'blocked_apps').filter(
    (entry): entry is string => typeof entry === 'string' && !have.has(entry),
  );
}

export const link: Command = {
  name: 'link',
  summary:
    'link <secondary> under <user> (the primary), requires --confirm <secondary id>; refuses to lift blocks or join different or unverified emails',
  args: [
    {
      name: 'secondary',
      description: 'the account to absorb (user id or email)',
      parse: (value) => {
        parseUserRef(value);
        return value;
      },
    },
  ],
  mutates: true,
  bulk: false,
  run: async (ctx, item) => {
    const primary = await resolveUser(ctx.api, parseUserRef(item.user));
    const secondary = await resolveUser(ctx.api, parseUserRef(arg(item, 'secondary')));
    if (primary.user_id === secondary.user_id) {
      throw new CommandError(
        'invalid_state',
        `${primary.user_id} cannot be linked to itself`,
        'name two different accounts',
      );
    }
    if (secondary.identities.length > 1) {
      throw new CommandError(
        'invalid_state',
        `${secondary.user_id} has linked identities of its own`,
        `unlink them from it first (users unlink ${secondary.user_id} <identity>), or link in the other direction`,
      );
    }
    const own = splitUserId(secondary.user_id);
    if (!own)
      throw new CommandError(
        'invalid_state',
        `${secondary.user_id} is not a provider|id user id`,
        'link accounts by their Auth0 user ids',
      );
    if (ctx.confirm !== secondary.user_id) {
      throw new UsageError(
        ctx.confirm === undefined
          ? `link needs --confirm ${secondary.user_id}`
          : `--confirm ${ctx.confirm} does not match the account to absorb (${secondary.user_id})`,
        `repeat the exact id of the secondary: --confirm ${secondary.user_id} (check it first with --dry-run)`,
      );
    }
    const problems = linkProblems(primary, secondary, ctx.options);
    if (problems.length > 0) {
      throw new CommandError(
        'invalid_state',
        `refusing to link: ${problems.map((p) => p.problem).join('; ')}`,
        `check that both accounts are the same person; only then: ${[...new Set(problems.map((p) => p.override))].join(' ')}`,
      );
    }
    const overrides = overridesUsed(primary, secondary, ctx.options);
    const carriedApps = blockedAppsToCarry(primary, secondary);
    const carryBlocked = secondary.blocked && !primary.blocked;
    const lost = [
      ...Object.keys(secondary.app_metadata).map((k) => `app_metadata.${k}`),
      ...Object.keys(secondary.user_metadata).map((k) => `user_metadata.${k}`),
    ];
    if (lost.length > 0 && !ctx.audit) {
      throw new UsageError(
        `link discards ${secondary.user_id}'s metadata (${lost.join(', ')}) and needs the audit log to keep a copy`,
        'give --audit <file> (or USERS_AUDIT_LOG); unlink --restore-metadata restores the copy',
      );
    }
    const carry = [...(carryBlocked ? ['blocked'] : []), ...carriedApps.map((app) => `blocked_apps ${app}`)];
    const note = `${lost.length > 0 ? `; its metadata (${lost.join(', ')}) is discarded by Auth0, a copy kept` : ''}${carry.length > 0 ? `; carried over to ${primary.user_id}: ${carry.join(', ')}` : ''}`;
    if (ctx.dryRun)
      return {
        status: 'planned',
        userId: primary.user_id,
        message: `would link ${secondary.user_id} under ${primary.user_id}${note}`,
      };
    // Blocks first: should the link fail after, the primary is more blocked, never less.
    await carryBlocks(ctx, primary, carryBlocked, carriedApps);
    const saved =
      lost.length > 0 && ctx.audit
        ? ctx.audit.saveLinked({
            format: 'users-link-saved/1',
            primary: primary.user_id,
            secondary: secondary.user_id,
            linked_at: new Date().toISOString(),
            app_metadata: secondary.app_metadata,
            user_metadata: secondary.user_metadata,
          })
        : undefined;
    const identities = await ctx.api.link(primary.user_id, { provider: own.provider, user_id: own.id });
    return {
      status: 'done',
      userId: primary.user_id,
      message: `linked ${secondary.user_id} under ${primary.user_id} (${identities.length} identities now)${note}`,
      data: { primary: primary.user_id, linked: secondary.user_id, discarded: lost, carried: carry },
      audit: {
        secondary: secondary.user_id,
        overrides,
        carried: carry,
        discarded_keys: lost,
        ...(saved ? { saved_metadata: saved } : {}),
      },
    };
  },
};

/** The override flags that actually changed the decision, for the audit line. */
function overridesUsed(primary: User, secondary: User, options: CommandOptions): string[] {
  const none = { carryBlocks: false, allowEmailMismatch: false, allowUnverified: false };
  return [...new Set(linkProblems(primary, secondary, none).map((p) => p.override))].filter(
    (flag) =>
      (flag === '--carry-blocks' && options.carryBlocks) ||
      (flag === '--allow-email-mismatch' && options.allowEmailMismatch) ||
      (flag === '--allow-unverified' && options.allowUnverified),
  );
}

async function carryBlocks(ctx: RunContext, primary: User, blocked: boolean, apps: readonly string[]): Promise<void> {
  if (blocked) await ctx.api.updateUser(primary.user_id, { blocked: true });
  let current = primary;
  for (const app of apps) {
    await editArrayKey(
      ctx.api,
      current,
      { key: 'blocked_apps', op: 'add', value: app },
      { dryRun: false, settleMs: ctx.settleMs },
    );
    current = (await ctx.api.getUser(primary.user_id)) ?? current;
  }
}

export const unlink: Command = {
  name: 'unlink',
  summary:
    'detach a linked identity from <user>; it becomes a standalone user again (--restore-metadata: with what the link discarded)',
  args: [
    {
      name: 'identity',
      description: 'the linked identity as provider|id (see `users show`)',
      parse: (value) => {
        parseUserRef(value);
        if (!splitUserId(value.trim()))
          throw new UsageError(
            `"${value}" is not an identity`,
            'write it as provider|id, e.g. google-oauth2|1043..., as `users show` lists it',
          );
        return value.trim();
      },
    },
  ],
  mutates: true,
  bulk: false,
  run: async (ctx, item) => {
    const primary = await resolveUser(ctx.api, parseUserRef(item.user));
    const wanted = arg(item, 'identity');
    const identity = primary.identities.find((i) => `${i.provider}|${i.user_id}` === wanted);
    if (!identity || isOwnIdentity(primary, identity)) {
      const linked = primary.identities
        .filter((i) => !isOwnIdentity(primary, i))
        .map((i) => `${i.provider}|${i.user_id}`);
      const problem = identity
        ? `${wanted} is ${primary.user_id}'s own identity`
        : `${wanted} is not linked to ${primary.user_id}`;
      throw new CommandError(
        'invalid_state',
        problem,
        linked.length > 0 ? `linked identities: ${linked.join(', ')}` : `${primary.user_id} has no linked identities`,
      );
    }
    const saved = ctx.audit?.savedFor(primary.user_id, wanted);
    if (ctx.options.restoreMetadata && !saved) {
      throw new CommandError(
        'invalid_state',
        `no saved metadata for ${wanted} in ${ctx.audit ? `${ctx.audit.path}.saved` : 'the audit log (none given)'}`,
        'drop --restore-metadata, or give the --audit log the link was made with',
      );
    }
    const offer =
      saved && !ctx.options.restoreMetadata
        ? `; metadata the link discarded (${saved.linked_at}) is kept: unlink with --restore-metadata to put it back`
        : '';
    if (ctx.dryRun) {
      return {
        status: 'planned',
        userId: primary.user_id,
        message: `would unlink ${wanted} from ${primary.user_id}${saved && ctx.options.restoreMetadata ? ' and restore its saved metadata' : offer}`,
      };
    }
    await ctx.api.unlink(primary.user_id, identity.provider, identity.user_id);
    let restored: string[] = [];
    if (saved && ctx.options.restoreMetadata)
      restored = await restore(ctx, wanted, saved.app_metadata, saved.user_metadata);
    return {
      status: 'done',
      userId: primary.user_id,
      message: `unlinked ${wanted} from ${primary.user_id}; it is a standalone user again${restored.length > 0 ? `, with its metadata restored (${restored.join(', ')})` : offer}`,
      data: { primary: primary.user_id, unlinked: wanted, restored },
      audit: { unlinked: wanted, restored_keys: restored },
    };
  },
};

async function restore(
  ctx: RunContext,
  userId: string,
  appMetadata: JsonObject,
  userMetadata: JsonObject,
): Promise<string[]> {
  // Only non-empty objects: `{}` would clear the metadata Auth0 left on the detached account.
  const patch = {
    ...(Object.keys(appMetadata).length > 0 ? { app_metadata: appMetadata } : {}),
    ...(Object.keys(userMetadata).length > 0 ? { user_metadata: userMetadata } : {}),
  };
  if (Object.keys(patch).length > 0) await ctx.api.updateUser(userId, patch);
  return [
    ...Object.keys(appMetadata).map((k) => `app_metadata.${k}`),
    ...Object.keys(userMetadata).map((k) => `user_metadata.${k}`),
  ];
}
