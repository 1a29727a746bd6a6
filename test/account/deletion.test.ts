import { describe, expect, test } from 'vitest';
import type { ProfileUser } from '../../account/management/users';
import { planDeletion, runDeletion, type DeletionStep } from '../../account/profile/deletion';

// The deletion's order, apart from its effects: revoke first, record the secondaries before
// unlinking them, each secondary's user deleted, the primary last; a failure stops the run.

const user: ProfileUser = {
  userId: 'auth0|primary',
  emailVerified: true,
  userMetadata: {},
  identities: [
    { provider: 'auth0', connection: 'customers', userId: 'primary', primary: true },
    { provider: 'google-oauth2', connection: 'google-oauth2', userId: '123', primary: false },
  ],
};

const summary = (steps: DeletionStep[]) =>
  steps.map((step) =>
    step.kind === 'record'
      ? `record ${step.secondaryUserIds.join(',')}`
      : step.kind === 'unlink'
        ? `unlink ${step.identity.provider}|${step.identity.userId}`
        : `${step.kind} ${step.userId}`,
  );

describe('planDeletion', () => {
  test('revoke, record, unlink, then each secondary user and the primary deleted last', () => {
    expect(summary(planDeletion(user, []))).toEqual([
      'revoke auth0|primary',
      'record google-oauth2|123',
      'unlink google-oauth2|123',
      'revoke google-oauth2|123',
      'delete google-oauth2|123',
      'delete auth0|primary',
    ]);
  });

  test('a retry: the users recorded by an earlier attempt are deleted too; the primary id never as a secondary', () => {
    const unlinkedBefore = { ...user, identities: user.identities.slice(0, 1) };
    expect(summary(planDeletion(unlinkedBefore, ['google-oauth2|123', 'auth0|primary']))).toEqual([
      'revoke auth0|primary',
      'revoke google-oauth2|123',
      'delete google-oauth2|123',
      'delete auth0|primary',
    ]);
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
      planDeletion(user, []),
    );
    expect(result).toMatchObject({ outcome: 'failed', failedStep: 'delete', usersDeleted: 0 });
    expect(done).toEqual(['revoke auth0|primary', 'record', 'unlink', 'revoke google-oauth2|123']);
  });
});
