import { describe, expect, test } from 'vitest';
import type { ProfileIdentity, ProfileUser } from '../../account/management/users';
import {
  currentPendingIds,
  listingDigest,
  planDeletion,
  runDeletion,
  type DeletionStep,
} from '../../account/profile/deletion';

// The deletion's order, apart from its effects: revoke first, record the secondaries before
// unlinking them, each secondary's user deleted, the primary last; a failure stops the run; a
// record older than a day is ignored.

const NOW = 1_800_000_000;
const DAY = 24 * 60 * 60;

const user: ProfileUser = {
  userId: 'auth0|primary',
  emailVerified: true,
  userMetadata: {},
  emailChangeNonce: '',
  identities: [
    { provider: 'auth0', connection: 'customers', userId: 'primary', primary: true },
    { provider: 'google-oauth2', connection: 'google-oauth2', userId: '123', primary: false },
  ],
};

const summary = (steps: DeletionStep[]) =>
  steps.map((step) =>
    step.kind === 'record'
      ? `record ${step.pending.secondaryUserIds.join(',')} at ${step.pending.recordedAt}`
      : step.kind === 'unlink'
        ? `unlink ${step.identity.provider}|${step.identity.userId}`
        : `${step.kind} ${step.userId}`,
  );

describe('planDeletion', () => {
  test('revoke, record, unlink, then each secondary user and the primary deleted last', () => {
    expect(summary(planDeletion({ user, leftovers: [] }, NOW))).toEqual([
      'revoke auth0|primary',
      `record google-oauth2|123 at ${NOW}`,
      'unlink google-oauth2|123',
      'revoke google-oauth2|123',
      'delete google-oauth2|123',
      'delete auth0|primary',
    ]);
  });

  test('a retry: the users left over by an earlier attempt are deleted too', () => {
    const unlinkedBefore = { ...user, identities: user.identities.slice(0, 1) };
    const leftover: ProfileUser = {
      userId: 'google-oauth2|123',
      emailVerified: true,
      userMetadata: {},
      emailChangeNonce: '',
      identities: [{ provider: 'google-oauth2', connection: 'google-oauth2', userId: '123', primary: true }],
    };
    expect(summary(planDeletion({ user: unlinkedBefore, leftovers: [leftover] }, NOW))).toEqual([
      'revoke auth0|primary',
      'revoke google-oauth2|123',
      'delete google-oauth2|123',
      'delete auth0|primary',
    ]);
  });
});

describe('currentPendingIds', () => {
  const pending = (recordedAt?: number) => ({
    secondaryUserIds: ['google-oauth2|123', 'auth0|primary'],
    ...(recordedAt === undefined ? {} : { recordedAt }),
  });
  test('a record of the last day: its ids, never the primary', () => {
    expect(currentPendingIds(pending(NOW - DAY), 'auth0|primary', NOW)).toEqual(['google-oauth2|123']);
  });
  test('older than a day, without a time, or none: nothing', () => {
    expect(currentPendingIds(pending(NOW - DAY - 1), 'auth0|primary', NOW)).toEqual([]);
    expect(currentPendingIds(pending(), 'auth0|primary', NOW)).toEqual([]);
    expect(currentPendingIds(undefined, 'auth0|primary', NOW)).toEqual([]);
  });
});

describe('listingDigest', () => {
  test('the same sign-in methods linked or left over by a failed unlink; another method changes it', () => {
    const [own, google] = user.identities as [ProfileIdentity, ProfileIdentity];
    const leftover: ProfileUser = { ...user, userId: 'google-oauth2|123', identities: [{ ...google, primary: true }] };
    const linked = listingDigest({ user, leftovers: [] });
    expect(listingDigest({ user: { ...user, identities: [own] }, leftovers: [leftover] })).toBe(linked);
    expect(listingDigest({ user: { ...user, identities: [own] }, leftovers: [] })).not.toBe(linked);
  });
});

describe('runDeletion', () => {
  test('stops at the first failure and says which step', async () => {
    const done: string[] = [];
    const result = await runDeletion(
      {
        revokeAccess: async (id) => void done.push(`revoke ${id}`),
        recordPendingDeletion: async () => void done.push('record'),
        detachIdentity: async () => void done.push('unlink'),
        deleteUser: async (id) => {
          if (id === 'google-oauth2|123') throw new Error('down');
          done.push(`delete ${id}`);
        },
      },
      planDeletion({ user, leftovers: [] }, NOW),
    );
    expect(result).toMatchObject({ outcome: 'failed', failedStep: 'delete', usersDeleted: 0 });
    expect(done).toEqual(['revoke auth0|primary', 'record', 'unlink', 'revoke google-oauth2|123']);
  });
});
