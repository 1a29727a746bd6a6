import { CommandError, UsageError } from '../errors';
import { isOwnIdentity, splitUserId } from '../model';
import { parseUserRef, resolveUser } from '../resolve';
import { arg, type Command } from './types';

/** link, unlink: account linking by hand (what prompt-account-linking does after consent). */

export const link: Command = {
  name: 'link',
  summary: 'link <secondary> under <user> (the primary); Auth0 discards the secondary\'s metadata',
  args: [{ name: 'secondary', description: 'the account to absorb (user id or email)', parse: (value) => value }],
  mutates: true,
  bulk: false,
  run: async (ctx, item) => {
    const primary = await resolveUser(ctx.api, parseUserRef(item.user));
    const secondary = await resolveUser(ctx.api, parseUserRef(arg(item, 'secondary')));
    if (primary.user_id === secondary.user_id) {
      throw new CommandError('invalid_state', `${primary.user_id} cannot be linked to itself`, 'name two different accounts');
    }
    if (secondary.identities.length > 1) {
      throw new CommandError('invalid_state', `${secondary.user_id} has linked identities of its own`,
        `unlink them from it first (users unlink ${secondary.user_id} <identity>), or link in the other direction`);
    }
    const own = splitUserId(secondary.user_id);
    if (!own) throw new CommandError('invalid_state', `${secondary.user_id} is not a provider|id user id`, 'link accounts by their Auth0 user ids');
    const lost = [...Object.keys(secondary.app_metadata).map((k) => `app_metadata.${k}`), ...Object.keys(secondary.user_metadata).map((k) => `user_metadata.${k}`)];
    const note = lost.length > 0 ? `; discarded with it: ${lost.join(', ')}` : '';
    if (ctx.dryRun) return { status: 'planned', userId: primary.user_id, message: `would link ${secondary.user_id} under ${primary.user_id}${note}` };
    const identities = await ctx.api.link(primary.user_id, { provider: own.provider, user_id: own.id });
    return {
      status: 'done',
      userId: primary.user_id,
      message: `linked ${secondary.user_id} under ${primary.user_id} (${identities.length} identities now)${note}`,
      data: { primary: primary.user_id, linked: secondary.user_id, discarded: lost },
    };
  },
};

export const unlink: Command = {
  name: 'unlink',
  summary: 'detach a linked identity from <user>; it becomes a standalone user again',
  args: [{
    name: 'identity',
    description: 'the linked identity as provider|id (see `users show`)',
    parse: (value) => {
      if (!splitUserId(value.trim())) throw new UsageError(`"${value}" is not an identity`, 'write it as provider|id, e.g. google-oauth2|1043..., as `users show` lists it');
      return value.trim();
    },
  }],
  mutates: true,
  bulk: false,
  run: async (ctx, item) => {
    const primary = await resolveUser(ctx.api, parseUserRef(item.user));
    const wanted = arg(item, 'identity');
    const identity = primary.identities.find((i) => `${i.provider}|${i.user_id}` === wanted);
    if (!identity || isOwnIdentity(primary, identity)) {
      const linked = primary.identities.filter((i) => !isOwnIdentity(primary, i)).map((i) => `${i.provider}|${i.user_id}`);
      const problem = identity ? `${wanted} is ${primary.user_id}'s own identity` : `${wanted} is not linked to ${primary.user_id}`;
      throw new CommandError('invalid_state', problem, linked.length > 0 ? `linked identities: ${linked.join(', ')}` : `${primary.user_id} has no linked identities`);
    }
    if (ctx.dryRun) return { status: 'planned', userId: primary.user_id, message: `would unlink ${wanted} from ${primary.user_id}` };
    await ctx.api.unlink(primary.user_id, identity.provider, identity.user_id);
    return {
      status: 'done',
      userId: primary.user_id,
      message: `unlinked ${wanted} from ${primary.user_id}; it is a standalone user again`,
      data: { primary: primary.user_id, unlinked: wanted },
    };
  },
};
