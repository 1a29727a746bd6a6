import { describeChange, parseEdits, planUpdate } from '../profile';
import { parseUserRef, resolveUser } from '../resolve';
import type { Command } from './types';

/** update: rectification of the profile and user_metadata (GDPR art. 16). */
export const update: Command = {
  name: 'update',
  summary: 'rectify profile fields (--set f=v, --unset f) and user_metadata keys (--meta k=<json>, --unset-meta k)',
  args: [],
  mutates: true,
  bulk: false,
  run: async (ctx, item) => {
    const edit = parseEdits(ctx.options);
    const user = await resolveUser(ctx.api, parseUserRef(item.user));
    const { patch, changes } = planUpdate(user, edit);
    const lines = changes.map(describeChange);
    const audit = { fields: changes.map((change) => change.path) };
    if (changes.length === 0)
      return {
        status: 'unchanged',
        userId: user.user_id,
        message: `${user.user_id} already has these values; nothing sent`,
      };
    if (ctx.dryRun)
      return {
        status: 'planned',
        userId: user.user_id,
        message: `would update ${user.user_id}:\n  ${lines.join('\n  ')}`,
      };
    await ctx.api.updateUser(user.user_id, patch);
    return {
      status: 'done',
      userId: user.user_id,
      message: `updated ${user.user_id}:\n  ${lines.join('\n  ')}`,
      audit,
    };
  },
};
