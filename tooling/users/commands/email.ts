import { CommandError, UsageError } from '../errors';
import { parseUserRef, resolveUser } from '../resolve';
import type { User } from '../model';
import type { Command, Outcome, RunContext } from './types';

/** verify-email, reset-password: messages Auth0 sends (or links it makes) for the user. */

export const verifyEmail: Command = {
  name: 'verify-email',
  summary: 'send the verification email again (a verification-email job)',
  args: [],
  mutates: true,
  bulk: true,
  run: async (ctx, item) => {
    const user = await resolveUser(ctx.api, parseUserRef(item.user));
    if (!user.email) {
      throw new CommandError(
        'invalid_state',
        `${user.user_id} has no email address`,
        'set an email first; there is nothing to verify',
      );
    }
    if (user.email_verified)
      return { status: 'unchanged', userId: user.user_id, message: `${user.email} is already verified; nothing sent` };
    if (ctx.recheck) {
      // No API tells whether the interrupted attempt sent the email: do not risk sending twice.
      throw new CommandError(
        'in_doubt',
        `the previous run stopped while sending to ${user.user_id}; it may have been sent`,
        `ask the user, then send again if needed: users verify-email ${user.user_id}`,
      );
    }
    if (ctx.dryRun)
      return { status: 'planned', userId: user.user_id, message: `would send a verification email to ${user.email}` };
    const { jobId } = await ctx.api.sendVerificationEmail(user.user_id);
    return {
      status: 'done',
      userId: user.user_id,
      message: `verification email to ${user.email} queued (job ${jobId})`,
      data: { job_id: jobId },
    };
  },
};

export const resetPassword: Command = {
  name: 'reset-password',
  summary: 'create a password change ticket (a one-time URL) for a database user, or with --email have Auth0 email it',
  args: [],
  mutates: true,
  bulk: false,
  run: async (ctx, item) => {
    const user = await resolveUser(ctx.api, parseUserRef(item.user));
    // Only a database connection holds a password Auth0 can change.
    const database = user.identities.find((identity) => identity.provider === 'auth0');
    if (!database) {
      const connections = user.identities.map((identity) => identity.connection).join(', ') || 'no connection';
      throw new CommandError(
        'wrong_connection',
        `${user.user_id} signs in through ${connections}, not a database connection`,
        'password resets apply to database connections only; the user changes that password at their identity provider',
      );
    }
    if (ctx.options.sendEmail) return sendResetEmail(ctx, user, database.connection);
    if (ctx.dryRun)
      return {
        status: 'planned',
        userId: user.user_id,
        message: `would create a password change ticket for ${user.user_id} (${database.connection})`,
      };
    const { ticket } = await ctx.api.passwordChangeTicket(user.user_id, {
      ...(ctx.options.ttlSec === undefined ? {} : { ttlSec: ctx.options.ttlSec }),
      ...(ctx.options.resultUrl === undefined ? {} : { resultUrl: ctx.options.resultUrl }),
    });
    return {
      status: 'done',
      userId: user.user_id,
      message: `password change ticket for ${user.user_id} (${database.connection}), valid ${formatTtl(ctx.options.ttlSec ?? DEFAULT_TICKET_TTL)}; send it to the user only:\n${ticket}`,
      data: { ticket, connection: database.connection },
      audit: { ttl_sec: ctx.options.ttlSec ?? DEFAULT_TICKET_TTL, result_url: ctx.options.resultUrl !== undefined },
    };
  },
};

// Auth0's ticket lifetime when ttl_sec is not given (https://auth0.com/docs/api/management/v2/tickets/post-password-change).
const DEFAULT_TICKET_TTL = 432_000;

function formatTtl(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day(s)`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  return `${seconds} s`;
}

/** reset-password --email: Auth0 sends the tenant's reset_email (the link's lifetime is the template's). */
async function sendResetEmail(ctx: RunContext, user: User, connection: string): Promise<Outcome> {
  if (ctx.options.ttlSec !== undefined || ctx.options.resultUrl !== undefined) {
    throw new UsageError(
      '--ttl and --result-url apply to a printed ticket, not to --email',
      "the email's link lifetime and redirect are the reset_email template's settings",
    );
  }
  if (!user.email) {
    throw new CommandError(
      'invalid_state',
      `${user.user_id} has no email address`,
      'set an email first, or print a ticket',
    );
  }
  if (ctx.recheck) {
    // Auth0 answers the same whether or not it sent: do not risk sending twice.
    throw new CommandError(
      'in_doubt',
      `the previous run stopped while sending to ${user.user_id}; it may have been sent`,
      `ask the user, then send again if needed: users reset-password ${user.user_id} --email`,
    );
  }
  if (ctx.dryRun)
    return {
      status: 'planned',
      userId: user.user_id,
      message: `would have Auth0 send a password reset email to ${user.email} (${connection})`,
    };
  await ctx.api.sendPasswordResetEmail({ clientId: ctx.clientId, connection, email: user.email });
  return {
    status: 'done',
    userId: user.user_id,
    message: `Auth0 sends a password reset email to ${user.email} (${connection})`,
    data: { connection, emailed: true },
    audit: { connection, emailed: true },
  };
}
