import { CommandError, describeError, UsageError } from '../errors';
import { isOwnIdentity, type JsonObject, type JsonValue } from '../model';
import { parseUserRef, resolveUser } from '../resolve';
import type { Command, Outcome } from './types';

/** export, delete: answers to GDPR access and erasure requests. */

export const EXPORT_FORMAT = 'auth0-user-export/1';

export const exportUser: Command = {
  name: 'export',
  summary: 'everything stored about a user (profile, identities, metadata, brute-force blocks) as JSON',
  args: [],
  mutates: false,
  bulk: false,
  run: async (ctx, item) => {
    const user = await resolveUser(ctx.api, parseUserRef(item.user));
    let userBlocks: JsonValue;
    const notes: string[] = [];
    try {
      userBlocks = (await ctx.api.userBlocks(user.user_id)).map((block) => ({ ...block }));
    } catch (error) {
      // A token without the scope still exports the rest; the gap is stated, not hidden.
      userBlocks = null;
      notes.push(`user_blocks unavailable: ${describeError(error).message}`);
    }
    const document: JsonObject = {
      format: EXPORT_FORMAT,
      exported_at: new Date().toISOString(),
      tenant: ctx.tenant,
      // Identity provider tokens are removed (model.ts); everything else is the user's data.
      user: user.raw,
      user_blocks: userBlocks,
      ...(notes.length > 0 ? { notes } : {}),
    };
    return { status: 'done', userId: user.user_id, message: JSON.stringify(document, null, 2), data: document };
  },
};

export const deleteUser: Command = {
  name: 'delete',
  summary: 'erase a user and every account linked to it (requires --confirm <user_id>)',
  args: [],
  mutates: true,
  bulk: false,
  run: async (ctx, item): Promise<Outcome> => {
    const user = await resolveUser(ctx.api, parseUserRef(item.user));
    if (ctx.confirm !== user.user_id) {
      throw new UsageError(
        ctx.confirm === undefined ? `delete needs --confirm ${user.user_id}` : `--confirm ${ctx.confirm} does not match the user to delete (${user.user_id})`,
        `repeat the exact user id: --confirm ${user.user_id} (check it first with --dry-run)`,
      );
    }
    // Linked accounts live inside the primary: unlinking re-creates each as a standalone user,
    // which is then deleted, so nothing of the person survives the primary's deletion.
    const secondaries = user.identities.filter((identity) => !isOwnIdentity(user, identity));
    const plan = [...secondaries.map((i) => `${i.provider}|${i.user_id}`), user.user_id];
    if (ctx.dryRun) {
      return { status: 'planned', userId: user.user_id, message: `would delete ${plan.join(', ')}`, data: { would_remove: plan } };
    }
    const removed: string[] = [];
    let unlinkedNotDeleted: string | undefined;
    try {
      for (const identity of secondaries) {
        const standalone = `${identity.provider}|${identity.user_id}`;
        await ctx.api.unlink(user.user_id, identity.provider, identity.user_id);
        unlinkedNotDeleted = standalone;
        await ctx.api.deleteUser(standalone);
        unlinkedNotDeleted = undefined;
        removed.push(standalone);
      }
      await ctx.api.deleteUser(user.user_id);
      removed.push(user.user_id);
    } catch (error) {
      const left = plan.filter((id) => !removed.includes(id));
      const orphan = unlinkedNotDeleted ? ` ${unlinkedNotDeleted} was unlinked but not deleted: delete it with users delete ${unlinkedNotDeleted} --confirm ${unlinkedNotDeleted}.` : '';
      throw new CommandError('api_error',
        `deletion stopped: ${describeError(error).message}. Removed so far: ${removed.join(', ') || 'nothing'}; still present: ${left.join(', ')}.${orphan}`,
        'run the same delete again for the primary once the cause is fixed');
    }
    return { status: 'done', userId: user.user_id, message: removed.map((id) => `deleted ${id}`).join('\n'), data: { removed } };
  },
};
