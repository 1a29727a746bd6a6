import type { Event, Identity, Protocol, User } from '../../actions/platform/post-login';
import { setOwn } from './copy';

/**
 * Builds realistic post-login events, deterministic for a given seed so failures reproduce. The
 * shape is Auth0's (https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object):
 * the fields Auth0 always sends are present (arrays empty rather than absent), the optional ones
 * (organization, riskAssessment, custom_domain, ...) are left to `overrides`.
 */

export type DeepPartial<T> = T extends (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export type UserKind = 'database' | 'google' | 'linked';
export type Flow = 'interactive' | 'refresh-token' | 'prompt-none' | 'password';

export interface Scenario {
  user?: UserKind;
  emailVerified?: boolean;
  /** false: the first login (logins_count 1, created moments ago). */
  returning?: boolean;
  flow?: Flow;
  seed?: number;
  secrets?: Record<string, string>;
  clientMetadata?: Record<string, string>;
}

const PROTOCOL: Record<Flow, Protocol> = {
  interactive: 'oidc-basic-profile',
  'refresh-token': 'oauth2-refresh-token',
  'prompt-none': 'oidc-basic-profile',
  password: 'oauth2-password',
};

const GIVEN = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken'];
const FAMILY = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson'];
const BASE_TIME = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/** mulberry32: tiny, fast, good enough to vary fixtures reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildEvent(scenario: Scenario = {}, overrides: DeepPartial<Event> = {}): Event {
  const random = prng(scenario.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

  const kind = scenario.user ?? 'database';
  const flow = scenario.flow ?? 'interactive';
  const returning = scenario.returning ?? true;
  const given = pick(GIVEN);
  const family = pick(FAMILY);
  const email = `${given}.${family}.${hex(4)}@example.com`.toLowerCase();
  const createdAt = returning ? BASE_TIME - Math.floor(random() * 365) * DAY : BASE_TIME;

  const dbIdentity: Identity = {
    connection: 'Username-Password-Authentication',
    provider: 'auth0',
    user_id: hex(24),
    isSocial: false,
  };
  const googleIdentity: Identity = {
    connection: 'google-oauth2',
    provider: 'google-oauth2',
    user_id: digits(21),
    isSocial: true,
    profileData: {
      email,
      email_verified: scenario.emailVerified ?? true,
      name: `${given} ${family}`,
      picture: `https://lh3.googleusercontent.com/a/${hex(16)}`,
    },
  };
  const identities =
    kind === 'database' ? [dbIdentity] : kind === 'google' ? [googleIdentity] : [dbIdentity, googleIdentity];
  const primary = identities[0] as Identity;
  const loggedInWith = kind === 'linked' ? googleIdentity : primary;

  const user: User = {
    user_id: `${primary.provider}|${primary.user_id}`,
    email,
    email_verified: scenario.emailVerified ?? true,
    name: `${given} ${family}`,
    given_name: given,
    family_name: family,
    nickname: given.toLowerCase(),
    picture:
      kind === 'database'
        ? `https://s.gravatar.com/avatar/${hex(32)}`
        : `https://lh3.googleusercontent.com/a/${hex(16)}`,
    created_at: new Date(createdAt).toISOString(),
    updated_at: new Date(BASE_TIME).toISOString(),
    app_metadata: {},
    user_metadata: {},
    identities,
    multifactor: [],
    enrolledFactors: [],
  };

  const isSocial = loggedInWith.provider !== 'auth0';
  const browser = flow === 'interactive' || flow === 'prompt-none';
  // Drawn whatever the flow, so one seed gives the same ids everywhere else.
  const transactionId = hex(32);
  const state = hex(16);
  const event: Event = {
    user,
    client: { client_id: hex(32), name: 'Web App', metadata: { ...scenario.clientMetadata } },
    connection: isSocial
      ? { id: `con_${hex(16)}`, name: 'google-oauth2', strategy: 'google-oauth2', metadata: {} }
      : { id: `con_${hex(16)}`, name: 'Username-Password-Authentication', strategy: 'auth0', metadata: {} },
    request: {
      ip: `203.0.113.${1 + Math.floor(random() * 250)}`,
      method: browser ? 'GET' : 'POST',
      query: flow === 'prompt-none' ? { prompt: 'none' } : {},
      body:
        flow === 'refresh-token'
          ? { grant_type: 'refresh_token' }
          : flow === 'password'
            ? { grant_type: 'password' }
            : {},
      asn: 'AS64496',
      geoip: {
        cityName: 'Paris',
        continentCode: 'EU',
        countryCode: 'FR',
        countryCode3: 'FRA',
        countryName: 'France',
        latitude: 48.8566,
        longitude: 2.3522,
        subdivisionCode: 'IDF',
        subdivisionName: 'Île-de-France',
        timeZone: 'Europe/Paris',
      },
      hostname: 'login.example.com',
      language: 'en',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
    },
    transaction: {
      // Auth0 gives a transaction id to browser-based flows only.
      id: browser ? transactionId : undefined,
      protocol: PROTOCOL[flow],
      acr_values: [],
      ui_locales: [],
      requested_scopes:
        flow === 'refresh-token' ? ['openid', 'profile', 'email', 'offline_access'] : ['openid', 'profile', 'email'],
      redirect_uri: browser ? 'https://app.example.com/callback' : undefined,
      prompt: flow === 'prompt-none' ? ['none'] : undefined,
      locale: 'en',
      state: browser ? state : undefined,
      response_type: browser ? ['code'] : undefined,
      metadata: {},
    },
    authentication: {
      methods: [{ name: isSocial ? 'federated' : 'pwd', timestamp: new Date(BASE_TIME).toISOString() }],
    },
    authorization: { roles: [] },
    secrets: { ...scenario.secrets },
    stats: { logins_count: returning ? 2 + Math.floor(random() * 200) : 1 },
    tenant: { id: 'profile-sandbox' },
    session: flow === 'password' ? undefined : { id: hex(32) },
    refresh_token:
      flow === 'refresh-token'
        ? { id: `rt_${hex(20)}`, client_id: undefined, created_at: new Date(createdAt).toISOString() }
        : undefined,
  };
  if (event.refresh_token) event.refresh_token.client_id = event.client.client_id;
  return merge(event, overrides);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge: plain objects merge, arrays and scalars replace, `undefined` leaves the base. */
function merge<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (!isPlainObject(patch) || !isPlainObject(base)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    setOwn(out, key, isPlainObject(value) && isPlainObject(out[key]) ? merge(out[key], value) : value);
  }
  return out as T;
}
