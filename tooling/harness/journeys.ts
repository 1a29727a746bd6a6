import type { Event } from '../../actions/platform/post-login';
import { createCacheStore, runLogin, type CacheStore, type LoadedAction, type LoginResult } from '../../local/runtime';
import {
  createFakeManagementApi,
  databaseUser,
  fakeUserFrom,
  type FakeManagementApi,
  type FakeUser,
} from './fake-management-api';
import { answer, event, isoAgo, LINKING_URL, loadPipeline, sentToken, TERMS_URL, TERMS_VERSION } from './actions';

/**
 * The main login journeys through all four Actions in binding order, as reusable fixtures: the
 * pipeline tests assert on them and `npm run bench` times them and counts their Management API calls.
 *
 *   const context = createJourneyContext();          // loads dist/actions/*.js once
 *   for (const journey of JOURNEYS) { const run = await journey.run(context); run.managementCalls; }
 */

export const WEB_CLIENT_ID = 'web-app-client-id';

export interface JourneyContext {
  /** The four compiled Actions in binding order, calling `mgmt` as their fetch. */
  actions: LoadedAction[];
  mgmt: FakeManagementApi;
  /** api.cache shared across runs (a warm instance); a fresh one per run when absent. */
  cache?: CacheStore;
}

export interface JourneyRun {
  /** The login's final result, after every page answered. */
  result: LoginResult;
  /** The first run, then each /continue: their outcomes tell where the browser went. */
  steps: LoginResult[];
  /** The pages the browser was sent to, in order (`linking`, `terms`). */
  pages: ('linking' | 'terms')[];
  managementCalls: number;
}

export interface Journey {
  name: string;
  description: string;
  run(context: JourneyContext): Promise<JourneyRun>;
}

export function createJourneyContext(options: { warmCache?: boolean } = {}): JourneyContext {
  const mgmt = createFakeManagementApi();
  return { actions: loadPipeline(mgmt.fetch), mgmt, cache: options.warmCache ? createCacheStore() : undefined };
}

/** What the user does on each page: link to the first candidate (or decline), accept the terms. */
interface Pages {
  linking: 'link-first' | 'decline';
}

async function drive(
  context: JourneyContext,
  ev: Event,
  users: FakeUser[],
  pages: Pages = { linking: 'link-first' },
): Promise<JourneyRun> {
  context.mgmt.reset(users);
  const steps: LoginResult[] = [
    await runLogin({ actions: context.actions, event: ev, cache: context.cache ?? createCacheStore() }),
  ];
  const visited: JourneyRun['pages'] = [];
  for (let last = steps[0] as LoginResult; last.outcome === 'redirect'; last = steps[steps.length - 1] as LoginResult) {
    if (visited.length > 4) throw new Error('journey: too many redirects');
    const { url, claims } = sentToken(last);
    const page = url.origin + url.pathname;
    if (page === LINKING_URL) {
      visited.push('linking');
      const [first] = claims.candidates as { user_id: string }[];
      steps.push(
        await answer(last, pages.linking === 'decline' || !first ? { declined: true } : { link_to: first.user_id }),
      );
    } else if (page === TERMS_URL) {
      visited.push('terms');
      steps.push(await answer(last, { accepted: true, terms_version: claims.terms_version as string }));
    } else {
      throw new Error(`journey: unexpected redirect to ${page}`);
    }
  }
  return {
    result: steps[steps.length - 1] as LoginResult,
    steps,
    pages: visited,
    managementCalls: context.mgmt.count(),
  };
}

/** A new Google user whose email already has a verified database account. */
function newSocialUser(): { ev: Event; existing: FakeUser } {
  const ev = event(
    { user: 'google', returning: false, seed: 21 },
    { client: { client_id: WEB_CLIENT_ID }, user: { user_metadata: { preferred_language: 'fr' } } },
  );
  return { ev, existing: databaseUser('existing1', ev.user.email as string, { user_metadata: { theme: 'dark' } }) };
}

/** A returning database user who accepted `termsVersion` and was checked for linkable accounts recently. */
function returningUser(termsVersion: string, flow: 'interactive' | 'refresh-token' = 'interactive'): Event {
  return event(
    { user: 'database', flow, seed: 22 },
    {
      client: { client_id: WEB_CLIENT_ID },
      user: {
        app_metadata: {
          terms: { version: termsVersion, accepted_at: isoAgo(40) },
          account_linking: { status: 'no_candidates', checked_at: isoAgo(3) },
        },
        user_metadata: {
          given_name: 'Augusta',
          nickname: 'countess',
          picture: 'https://cdn.example.com/ada.png',
          preferred_language: 'en-gb',
        },
      },
    },
  );
}

export const JOURNEYS: Journey[] = [
  {
    name: 'new-social-user',
    description: 'first Google login, same verified email as a database account: link, accept terms, claims',
    run(context) {
      const { ev, existing } = newSocialUser();
      return drive(context, ev, [fakeUserFrom(ev.user), existing]);
    },
  },
  {
    name: 'new-social-user-declines',
    description: 'as new-social-user, but the user declines to link',
    run(context) {
      const { ev, existing } = newSocialUser();
      return drive(context, ev, [fakeUserFrom(ev.user), existing], { linking: 'decline' });
    },
  },
  {
    name: 'returning-user',
    description: 'returning user, everything accepted: no redirect, no Management API call',
    run(context) {
      const ev = returningUser(TERMS_VERSION);
      return drive(context, ev, [fakeUserFrom(ev.user)]);
    },
  },
  {
    name: 'refresh-token',
    description: 'refresh-token exchange of a returning user',
    run(context) {
      const ev = returningUser(TERMS_VERSION, 'refresh-token');
      return drive(context, ev, [fakeUserFrom(ev.user)]);
    },
  },
  {
    name: 'blocked-app',
    description: 'a new user blocked from this application: denied before any prompt',
    run(context) {
      const { ev, existing } = newSocialUser();
      ev.user.app_metadata = { blocked_apps: [WEB_CLIENT_ID] };
      return drive(context, ev, [fakeUserFrom(ev.user), existing]);
    },
  },
  {
    name: 'terms-version-bump',
    description: 'returning user who accepted the previous terms: re-prompted, then recorded',
    run(context) {
      const ev = returningUser('2025-01');
      return drive(context, ev, [fakeUserFrom(ev.user)]);
    },
  },
];

export function journey(name: string): Journey {
  const found = JOURNEYS.find((j) => j.name === name);
  if (!found) throw new Error(`no journey ${name}`);
  return found;
}
