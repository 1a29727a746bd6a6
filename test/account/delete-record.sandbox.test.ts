import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { startLinkingSetup, type LinkingSetup } from './linking-fixtures';
import { Browser } from '../sandbox/oidc-fixtures';

// "Delete my account" and the record an earlier, unfinished deletion left in app_metadata: honoured
// for a day (the retry), its users that still exist listed on the page; nothing is deleted that the
// page did not list. A file of its own: the per-address limit of POST /profile/delete (30 a minute)
// is delete.sandbox.test.ts's.

let setup: LinkingSetup;

beforeAll(async () => {
  setup = await startLinkingSetup();
});

afterAll(async () => {
  await setup?.close();
});

/** Signed in to the profile just now, on the deletion page. */
async function signedIn(email: string) {
  const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
  const login = await b.visit(`${setup.accountUrl}/profile/delete`);
  expect(login.url).toContain('/u/login');
  const back = await b.submit(login, '/u/login', { email, password: PASSWORD });
  expect(back.url.startsWith(`${setup.accountUrl}/profile/callback?`)).toBe(true);
  const page = await b.visit(`${setup.accountUrl}/profile/delete`);
  expect(page.status).toBe(200);
  return { b, page };
}

describe('the record of an earlier, unfinished deletion', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  /** A user of its own (as an unlinked Google identity becomes), with another email. */
  function separateGoogleUser(email: string, googleId: string) {
    return setup.ctx.sandbox.store.users.findOrCreateFromIdentity({
      connection: 'google-oauth2',
      identityId: googleId,
      email,
      email_verified: true,
    });
  }

  function userWithRecord(email: string, secondaryUserIds: string[], recordedAt: number | undefined) {
    return databaseUser(setup.ctx.sandbox, email, {
      app_metadata: {
        ...returningMetadata(),
        account_deletion: {
          secondary_user_ids: secondaryUserIds,
          ...(recordedAt === undefined ? {} : { recorded_at: recordedAt }),
        },
      },
    });
  }

  test('older than a day (or without a time): the user it names, used on its own since, is neither listed nor deleted', async () => {
    const { store } = setup.ctx.sandbox;
    for (const [index, recordedAt] of [nowSeconds() - 2 * 24 * 60 * 60, undefined].entries()) {
      const google = separateGoogleUser(
        `delete-old-record-google${index}@example.com`,
        `6076915035000615071511308236${index}`,
      );
      const email = `delete-old-record${index}@example.com`;
      const user = userWithRecord(email, [google.user_id], recordedAt);
      const { b, page } = await signedIn(email);
      expect(page.html).not.toContain('id="leftovers"');
      expect(page.html).not.toContain('google-oauth2');

      const deleted = await b.submit(page, '/profile/delete', { confirm: 'DELETE' });
      expect(deleted.html).toContain('id="deleted"');
      expect(store.users.get(user.user_id)).toBeUndefined();
      expect(store.users.get(google.user_id)).toBeDefined();
    }
  });

  test('within a day: the users it names that still exist are listed on the page, and deleted with the account', async () => {
    const { store } = setup.ctx.sandbox;
    const googleEmail = 'delete-fresh-record-google@example.com';
    const google = separateGoogleUser(googleEmail, '70769150350006150715113082367');
    const email = 'delete-fresh-record@example.com';
    const user = userWithRecord(email, [google.user_id, 'google-oauth2|gone'], nowSeconds() - 60);
    const { b, page } = await signedIn(email);
    const leftovers = /<ul id="leftovers">([\s\S]*?)<\/ul>/.exec(page.html)?.[1] ?? '';
    expect(leftovers).toContain(googleEmail);
    expect(leftovers).toContain('google-oauth2');

    const deleted = await b.submit(page, '/profile/delete', { confirm: 'DELETE' });
    expect(deleted.html).toContain('id="deleted"');
    expect(store.users.get(user.user_id)).toBeUndefined();
    expect(store.users.get(google.user_id)).toBeUndefined();
  });

  test('an identity linked after the page was shown: 409 and nothing deleted; the page listing it deletes it', async () => {
    const { store } = setup.ctx.sandbox;
    const email = 'delete-changed@example.com';
    const user = databaseUser(setup.ctx.sandbox, email, { app_metadata: returningMetadata() });
    const { b, page } = await signedIn(email);
    expect(page.html).not.toContain('google-oauth2');
    const googleId = '80769150350006150715113082367';
    separateGoogleUser(email, googleId);
    store.users.link(user.user_id, { provider: 'google-oauth2', identityId: googleId });

    const changed = await b.submit(page, '/profile/delete', { confirm: 'DELETE' });
    expect(changed.status).toBe(409);
    expect(changed.html).toContain('data-problem="changed"');
    expect(store.users.require(user.user_id).identities).toHaveLength(2);
    expect(changed.html).toContain('google-oauth2');

    const deleted = await b.submit(changed, '/profile/delete', { confirm: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.html).toContain('id="deleted"');
    expect(store.users.get(user.user_id)).toBeUndefined();
    expect(store.users.identityOwner('google-oauth2', googleId)).toBeUndefined();
  });
});
