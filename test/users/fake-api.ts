import type { JobState, Revocable, UserRecordKind, UserRecords, UsersApi, UserPatch } from '../../tooling/users/client';
import { CommandError } from '../../tooling/users/errors';
import { parseUser, type Identity, type JsonObject, type JsonValue, type User, type UserBlock } from '../../tooling/users/model';

/**
 * An in-memory Management API with Auth0's metadata merge, for logic tests that need exact
 * interleavings (a concurrent writer at a chosen moment) rather than a server.
 */
export class FakeApi implements UsersApi {
  readonly users = new Map<string, JsonObject>();
  readonly calls: string[] = [];
  /** Runs after the n-th call completes (1-based), e.g. to simulate a concurrent writer. */
  readonly after = new Map<number, () => void>();
  /** Milliseconds each call takes. */
  latencyMs = 0;

  add(userId: string, appMetadata: JsonObject = {}, extra: JsonObject = {}): void {
    const [provider = '', id = ''] = userId.split('|');
    this.users.set(userId, {
      user_id: userId, email: `${id}@example.com`, email_verified: false, app_metadata: appMetadata, user_metadata: {},
      identities: [{ provider, user_id: id, connection: provider === 'auth0' ? 'db' : provider, isSocial: provider !== 'auth0' }],
      ...extra,
    });
  }

  /** What another writer does: Auth0's top-level merge of app_metadata. */
  merge(userId: string, appMetadata: JsonObject): void {
    const user = this.require(userId);
    const merged: JsonObject = { ...(user.app_metadata as JsonObject) };
    for (const [key, value] of Object.entries(appMetadata)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    user.app_metadata = merged;
  }

  appMetadata(userId: string): JsonObject {
    return this.require(userId).app_metadata as JsonObject;
  }

  getUser(userId: string): Promise<User | undefined> {
    return this.op(`GET ${userId}`, () => {
      const user = this.users.get(userId);
      return user ? parseUser(structuredClone(user)) : undefined;
    });
  }

  usersByEmail(email: string): Promise<User[]> {
    return this.op(`GET by-email ${email}`,
      () => [...this.users.values()].filter((user) => user.email === email).map((user) => parseUser(structuredClone(user))));
  }

  updateUser(userId: string, patch: UserPatch): Promise<User> {
    return this.op(`PATCH ${userId} ${JSON.stringify(patch)}`, () => {
      const user = this.require(userId);
      if (patch.blocked !== undefined) user.blocked = patch.blocked;
      if (patch.app_metadata) this.merge(userId, patch.app_metadata);
      return parseUser(structuredClone(user));
    });
  }

  deleteUser(userId: string): Promise<void> {
    return this.op(`DELETE ${userId}`, () => {
      this.require(userId);
      this.users.delete(userId);
    });
  }

  userBlocks(userId: string): Promise<UserBlock[]> {
    return this.op(`GET blocks ${userId}`, () => {
      this.require(userId);
      return [];
    });
  }

  clearUserBlocks(userId: string): Promise<void> {
    return this.op(`DELETE blocks ${userId}`, () => undefined);
  }

  sendVerificationEmail(userId: string): Promise<{ jobId: string }> {
    return this.op(`POST job ${userId}`, () => ({ jobId: 'job_1' }));
  }

  passwordChangeTicket(userId: string): Promise<{ ticket: string }> {
    return this.op(`POST ticket ${userId}`, () => ({ ticket: 'https://example/ticket' }));
  }

  link(primaryUserId: string): Promise<Identity[]> {
    return this.op(`POST link ${primaryUserId}`, () => []);
  }

  unlink(primaryUserId: string): Promise<Identity[]> {
    return this.op(`DELETE link ${primaryUserId}`, () => []);
  }

  async clientExists(): Promise<boolean> {
    return true;
  }

  userRecords(kind: UserRecordKind, userId: string): Promise<UserRecords> {
    return this.op(`GET ${kind} ${userId}`, () => ({ records: [], truncated: false }));
  }

  revoke(kind: Revocable, userId: string): Promise<void> {
    return this.op(`DELETE ${kind} ${userId}`, () => undefined);
  }

  startUsersExport(): Promise<{ jobId: string }> {
    return this.op('POST users-exports', () => ({ jobId: 'job_1' }));
  }

  startUsersImport(): Promise<{ jobId: string }> {
    return this.op('POST users-imports', () => ({ jobId: 'job_2' }));
  }

  jobErrors(jobId: string): Promise<JsonValue[]> {
    return this.op(`GET job errors ${jobId}`, () => []);
  }

  connectionId(name: string): Promise<string | undefined> {
    return this.op(`GET connection ${name}`, () => undefined);
  }

  job(jobId: string): Promise<JobState> {
    return this.op(`GET job ${jobId}`, () => ({ status: 'pending' }));
  }

  searchUsers(query: string): Promise<{ users: User[]; total: number }> {
    return this.op(`GET search ${query}`, () => ({ users: [], total: 0 }));
  }

  private require(userId: string): JsonObject {
    const user = this.users.get(userId);
    if (!user) throw new CommandError('unknown_user', `no user ${userId}`, 'fake');
    return user;
  }

  /** One call: latency, the effect, then the hook registered for this call's position. */
  private async op<T>(call: string, effect: () => T): Promise<T> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.calls.push(call);
    const result = effect();
    this.after.get(this.calls.length)?.();
    return result;
  }
}
