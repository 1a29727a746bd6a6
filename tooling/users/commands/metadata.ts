import { CommandError, UsageError } from '../errors';
import { editArrayKey, type ArrayKey } from '../metadata';
import { parseUserRef, resolveUser } from '../resolve';
import { arg, subject, type ArgSpec, type Command } from './types';

/**
 * block-app, unblock-app, entitle, revoke, reset-terms: the app_metadata keys the Actions read
 * (docs/actions.md). Each edit writes only its own top-level key.
 */

const clientIdArg: ArgSpec = {
  name: 'client_id',
  description: 'the application (client id) gate-apps denies',
  parse: (value) => {
    const id = value.trim();
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
      throw new UsageError(
        `${shown(value)} is not a client id`,
        "pass the application's client id (Applications → Settings), not its name",
      );
    }
    return id;
  },
};

const entitlementArg: ArgSpec = {
  name: 'entitlement',
  description: "the entitlement string a client's required_entitlement names",
  parse: (value) => {
    if (value.trim() !== value || value === '' || value.length > 255 || /\s/.test(value)) {
      throw new UsageError(
        `${shown(value)} is not an entitlement`,
        'entitlements are non-empty strings without spaces, matched exactly (e.g. premium), at most 255 characters',
      );
    }
    return value;
  },
};

/** A bad value, quoted when short; a long one is not echoed (it may be a paste of anything). */
function shown(value: string): string {
  return value.length <= 64 ? `"${value}"` : `a value of ${value.length} characters`;
}

function arrayCommand(
  name: string,
  summary: string,
  key: ArrayKey,
  op: 'add' | 'remove',
  spec: ArgSpec,
  checkClient: boolean,
): Command {
  return {
    name,
    summary,
    args: [spec],
    mutates: true,
    bulk: true,
    run: async (ctx, item) => {
      const value = arg(item, spec.name);
      // Removing an id must work after its application was deleted: only additions are checked.
      if (checkClient && !(await ctx.clientExists(value))) {
        throw new CommandError(
          'unknown_client',
          `no application with client id ${value}`,
          'check the client id in the tenant you target',
        );
      }
      const user = await resolveUser(ctx.api, parseUserRef(item.user));
      const edit = await editArrayKey(
        ctx.api,
        user,
        { key, op, value },
        { dryRun: ctx.dryRun, settleMs: ctx.settleMs },
      );
      const where = `app_metadata.${key} of ${user.user_id}`;
      const data = { key, before: edit.before, after: edit.after };
      if (!edit.changed) {
        return {
          status: 'unchanged',
          userId: user.user_id,
          message: `${value} is ${op === 'add' ? 'already' : 'not'} in ${where}`,
          data,
        };
      }
      const verb = op === 'add' ? 'added' : 'removed';
      const message = ctx.dryRun
        ? `would ${op} ${value} ${op === 'add' ? 'to' : 'from'} ${where}`
        : `${verb} ${value} ${op === 'add' ? 'to' : 'from'} ${where}`;
      return { status: ctx.dryRun ? 'planned' : 'done', userId: user.user_id, message, data };
    },
  };
}

export const blockApp = arrayCommand(
  'block-app',
  'deny one application to the user (app_metadata.blocked_apps, enforced by gate-apps)',
  'blocked_apps',
  'add',
  clientIdArg,
  true,
);
export const unblockApp = arrayCommand(
  'unblock-app',
  'allow an application again (removes it from app_metadata.blocked_apps)',
  'blocked_apps',
  'remove',
  clientIdArg,
  false,
);
export const entitle = arrayCommand(
  'entitle',
  'grant an entitlement (app_metadata.entitlements)',
  'entitlements',
  'add',
  entitlementArg,
  false,
);
export const revoke = arrayCommand(
  'revoke',
  'withdraw an entitlement (app_metadata.entitlements)',
  'entitlements',
  'remove',
  entitlementArg,
  false,
);

export const resetTerms: Command = {
  name: 'reset-terms',
  summary: 'forget the accepted terms version (app_metadata.terms), so enforce-terms asks again at next login',
  args: [],
  mutates: true,
  bulk: true,
  run: async (ctx, item) => {
    const { userId, user } = await subject(ctx, item);
    if (user.app_metadata.terms === undefined)
      return { status: 'unchanged', userId, message: `${userId} has no accepted terms on record` };
    if (ctx.dryRun) return { status: 'planned', userId, message: `would remove app_metadata.terms of ${userId}` };
    // null deletes the key; the merge leaves every other key as it is.
    await ctx.api.updateUser(userId, { app_metadata: { terms: null } });
    return {
      status: 'done',
      userId,
      message: `removed app_metadata.terms of ${userId}: terms will be asked again at next login`,
    };
  },
};
