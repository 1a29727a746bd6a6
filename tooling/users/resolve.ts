import type { UsersApi } from './client';
import { CommandError, UsageError } from './errors';
import type { User } from './model';
import { MAX_INPUT_BYTES } from './profile';

/** How the operator named a user: an Auth0 user id (`provider|id`) or an email address. */
export type UserRef = { kind: 'id'; userId: string } | { kind: 'email'; email: string };

// Provider prefixes are connection strategies: lower-case letters, digits and dashes.
const USER_ID = /^[a-z0-9][a-z0-9-]*\|\S+$/i;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function parseUserRef(text: string): UserRef {
  // Not echoed: a megabyte pasted by mistake (or on purpose) does not belong in a log or a terminal.
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES)
    throw new UsageError(
      `a user reference of ${Buffer.byteLength(text)} bytes is over the ${MAX_INPUT_BYTES}-byte limit`,
      'pass a user id or an email address',
    );
  const value = text.trim();
  if (USER_ID.test(value)) return { kind: 'id', userId: value };
  if (EMAIL.test(value)) return { kind: 'email', email: value };
  throw new UsageError(
    `"${text}" is neither a user id nor an email`,
    'pass a user id such as auth0|64f1c2... or an email address',
  );
}

/** The one user `ref` names; unknown users and emails shared by several users are errors. */
export async function resolveUser(api: UsersApi, ref: UserRef): Promise<User> {
  if (ref.kind === 'id') {
    const user = await api.getUser(ref.userId);
    if (!user) {
      throw new CommandError(
        'unknown_user',
        `no user ${ref.userId}`,
        'check the id (`users show <email>` finds it); a linked secondary only exists inside its primary',
      );
    }
    return user;
  }
  const users = await api.usersByEmail(ref.email);
  if (users.length === 0)
    throw new CommandError('unknown_user', `no user with email ${ref.email}`, 'check the address, or pass the user id');
  if (users.length > 1) {
    const list = users
      .map((user) => `${user.user_id} (${user.identities[0]?.connection ?? 'unknown connection'})`)
      .join(', ');
    throw new CommandError(
      'ambiguous_email',
      `${users.length} users have the email ${ref.email}: ${list}`,
      'pass the user id of the one you mean',
    );
  }
  return users[0] as User;
}
