import { USER_RECORD_KINDS, type UserRecordKind } from '../client';
import { erase, ErasureStore, planErasure } from '../erasure';
import { CommandError, describeError, UsageError } from '../errors';
import type { JsonObject, JsonValue, User } from '../model';
import { parseUserRef, resolveUser } from '../resolve';
import type { Command, Outcome } from './types';

/** export, delete: answers to GDPR access (art. 15) and erasure (art. 17) requests. */

export const EXPORT_FORMAT = 'auth0-user-export/2';

/** The scope each section needs, for the "could not be read" section. */
const SECTION_SCOPES: Readonly<Record<UserRecordKind | 'user_blocks', string>> = {
  user_blocks: 'read:users',
  logs: 'read:logs or read:logs_users',
  sessions: 'read:sessions',
  refresh_tokens: 'read:refresh_tokens',
  grants: 'read:grants',
  authentication_methods: 'read:authentication_methods',
  enrollments: 'read:users',
  roles: 'read:users and read:roles',
  permissions: 'read:users',
  organizations: 'read:organizations',
};

export interface NotRead extends JsonObject {
  section: string;
  status: number | null;
  reason: string;
}

/** Why a section could not be read, in words a compliance officer can act on. */
export function notReadReason(section: UserRecordKind | 'user_blocks', error: unknown): NotRead {
  const status = error instanceof CommandError && error.status !== undefined ? error.status : null;
  const detail = describeError(error).message;
  const reason =
    status === 403 || status === 401
      ? `forbidden: the client lacks the scope (${SECTION_SCOPES[section]}) or the plan lacks the feature — ${detail}`
      : status === 501 || status === 404
        ? `not available on this tenant (endpoint not implemented, or not on the plan) — ${detail}`
        : `could not be read — ${detail}`;
  return { section, status, reason };
}

export const exportUser: Command = {
  name: 'export',
  summary: 'right of access: everything the Management API holds about a user, as one JSON document',
  args: [],
  mutates: false,
  bulk: false,
  run: async (ctx, item) => {
    const user = await resolveUser(ctx.api, parseUserRef(item.user));
    const notRead: NotRead[] = [];
    const truncated: string[] = [];
    const sections: Record<string, JsonValue> = {};
    try {
      sections.user_blocks = (await ctx.api.userBlocks(user.user_id)).map((block) => ({ ...block }));
    } catch (error) {
      sections.user_blocks = null;
      notRead.push(notReadReason('user_blocks', error));
    }
    for (const kind of USER_RECORD_KINDS) {
      try {
        const { records, truncated: more } = await ctx.api.userRecords(kind, user.user_id);
        sections[kind] = records;
        if (more) truncated.push(kind);
      } catch (error) {
        // The gap is stated, not hidden: the rest is still exported.
        sections[kind] = null;
        notRead.push(notReadReason(kind, error));
      }
    }
    const document: JsonObject = {
      format: EXPORT_FORMAT,
      exported_at: new Date().toISOString(),
      tenant: ctx.tenant,
      // Profile, metadata, identities (linked accounts' profiles included); identity provider tokens removed (model.ts).
      user: user.raw,
      ...sections,
      not_read: notRead,
      truncated: truncated.map((section) => ({
        section,
        reason:
          "the Management API returns at most the first 1,000 entries; older ones are only in the tenant's log streams",
      })),
    };
    return {
      status: 'done',
      userId: user.user_id,
      message: JSON.stringify(document, null, 2),
      data: document,
      audit: {
        sections: Object.keys(sections).filter((key) => sections[key] !== null),
        not_read: notRead.map((entry) => entry.section),
      },
    };
  },
};

export const deleteUser: Command = {
  name: 'delete',
  summary:
    'erase a user, every account linked to it, its sessions, refresh tokens and grants (requires --confirm <user_id>; resumable)',
  args: [],
  mutates: true,
  bulk: true,
  run: async (ctx, item): Promise<Outcome> => {
    if (!ctx.audit) {
      throw new UsageError(
        "delete needs the audit log: it keeps the erasure's progress (to resume after a failure) and its receipt",
        'give --audit <file> (or USERS_AUDIT_LOG)',
      );
    }
    const store = new ErasureStore(ctx.audit);
    const ref = parseUserRef(item.user);
    let user: User | undefined;
    let missing: unknown;
    try {
      user = await resolveUser(ctx.api, ref);
    } catch (error) {
      if (!(error instanceof CommandError && error.kind === 'unknown_user')) throw error;
      missing = error;
    }
    const primary = user?.user_id ?? (ref.kind === 'id' ? ref.userId : undefined);
    const resumed = primary === undefined ? undefined : store.load(primary);
    if (!user && !resumed) {
      // Gone, and no unfinished erasure: an earlier run that stopped after its last step.
      if (ctx.recheck)
        return { status: 'unchanged', userId: primary ?? '(erased)', message: `${item.user} is already erased` };
      throw missing;
    }
    const target = primary as string;
    if (!ctx.bulkConfirmed && ctx.confirm !== target) {
      throw new UsageError(
        ctx.confirm === undefined
          ? `delete needs --confirm ${target}`
          : `--confirm ${ctx.confirm} does not match the user to delete (${target})`,
        `repeat the exact user id: --confirm ${target} (check it first with --dry-run)`,
      );
    }
    const state = resumed ?? planErasure(user as User, new Date());
    const left = state.planned.filter((id) => !state.deleted.includes(id));
    if (ctx.dryRun) {
      return {
        status: 'planned',
        userId: target,
        message: `would ${resumed ? 'resume the erasure and ' : ''}revoke sessions, refresh tokens and grants, then delete ${left.join(', ')}`,
        data: { would_remove: left },
      };
    }
    const receipt = await erase(
      { api: ctx.api, store, audit: ctx.audit, tenant: ctx.tenant, clientId: ctx.clientId },
      state,
    );
    return {
      status: 'done',
      userId: target,
      message: `${resumed ? 'resumed and completed the erasure: ' : ''}${state.deleted.map((id) => `deleted ${id}`).join('\n')}\nreceipt: ${JSON.stringify(receipt)}`,
      data: receipt,
      audit: receipt,
    };
  },
};
