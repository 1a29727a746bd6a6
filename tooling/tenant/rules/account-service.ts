import { parsePageUrl } from '../../../actions/lib/settings';
import type { FieldPath, Issue } from '../../issues';
import type { YamlFile } from '../../yaml';
import { isRecord, issueAt } from '../reader';
import type { Rule, RuleContext } from './context';

/**
 * The account service's wiring (account/, docs/account.md), checked once tenant.yaml has an
 * `Account Service` client: the pages the Actions redirect to are its pages, its client can sign in
 * exactly there and only with the code flow, the Actions' exemption flag is on it and on no other
 * client, and its Management API grant is exactly what the service calls.
 */

const SERVICE_CLIENT = 'Account Service';
const SERVICE_M2M_CLIENT = 'Account Service M2M';
/** The client metadata key prompt-account-linking and enforce-terms skip (actions/lib/account-service.ts). */
const EXEMPTION_FLAG = 'account_service';

/** Action secret → the service's page it must be (account/terms, account/linking). */
const PAGES: Readonly<Record<string, string>> = { TERMS_URL: '/terms', LINKING_URL: '/link' };

/** The service's redirect_uris (ACCOUNT_BASE_URL + path) and what needs each. */
const CALLBACKS: Readonly<Record<string, string>> = {
  '/link/callback': "the linking page's proof of control",
  '/profile/callback': "the profile pages' sign-in",
};

/**
 * The `Account Service M2M` grant: exactly the Management API scopes the service calls with, and
 * what breaks without each. Anything more is refused (least privilege: a leaked secret gives no more).
 */
const SCOPES: Readonly<Record<string, string>> = {
  'read:users': 'the profile page, the data download, the email change and the deletion (they read the user)',
  'update:users': 'saving the profile, unlinking, the email and password changes and the deletion record',
  'delete:users': 'delete my account (the user, and the users its identities become)',
  'delete:sessions': "delete my account (it revokes the user's sessions first, and deletes nothing when it cannot)",
  'delete:refresh_tokens':
    "delete my account (it revokes the user's refresh tokens first, and deletes nothing when it cannot)",
  'delete:grants': "delete my account (it revokes the user's consents first, and deletes nothing when it cannot)",
};

/** Where a problem is written: tenant.yaml, or the environment file a keyword marker takes it from. */
interface Where {
  yaml: YamlFile;
  path: FieldPath;
}
type Report = (where: Where, problem: string, fix: string) => void;
/** Where a field of the Account Service client (`rest` indexes into its list value) is written. */
type FieldSource = (field: string, ...rest: FieldPath) => Where;

export const accountService: Rule = (ctx) => {
  const { manifest, resolved } = ctx;
  const issues: Issue[] = exemptionElsewhere(ctx);
  const service = manifest.clients.find((c) => c.name === SERVICE_CLIENT);
  if (!service || !resolved) return issues;
  const client = valueAt(resolved.yaml.value, service.path);
  if (!isRecord(client)) return issues;
  const report: Report = (where, problem, fix) => issues.push(issueAt(where.yaml, where.path, problem, fix));
  const at: FieldSource = (field, ...rest) => source(ctx, [...service.path, field], rest);

  if (!isRecord(client.client_metadata) || client.client_metadata[EXEMPTION_FLAG] !== 'true') {
    report(
      at(client.client_metadata === undefined ? 'name' : 'client_metadata'),
      `the ${SERVICE_CLIENT} client lacks client_metadata.${EXEMPTION_FLAG}: 'true': prompt-account-linking and enforce-terms would redirect its own logins (the linking proof would never reach its callback, a user who declined the terms could not reach their data)`,
      `add client_metadata: {${EXEMPTION_FLAG}: 'true'}`,
    );
  }
  grantTypes(client.grant_types, at, report);

  const origins = callbacks(client.callbacks, at, report);
  logoutUrls(client.allowed_logout_urls, origins, at, report);
  if (origins.length > 0) pageUrls(ctx, origins, report);
  issues.push(...managementGrant(ctx));
  return issues;
};

/** The flag exempts every login to its client from terms and linking: on a customer app, that is a bypass. */
function exemptionElsewhere({ manifest }: RuleContext): Issue[] {
  return manifest.clients
    .filter((c) => c.name !== SERVICE_CLIENT && c.metadata !== undefined && EXEMPTION_FLAG in c.metadata)
    .map((c) =>
      issueAt(
        manifest.yaml,
        [...c.path, 'client_metadata', EXEMPTION_FLAG],
        `only the ${SERVICE_CLIENT} client may carry ${EXEMPTION_FLAG}: prompt-account-linking and enforce-terms skip every login to a client with it, so ${c.name}'s users would never be asked to accept the terms or offered linking`,
        `remove it`,
      ),
    );
}

/**
 * Exactly the code flow. No refresh_token: the service never asks for offline_access, its session
 * is a short cookie and every sensitive step needs a fresh sign-in (auth_time), so a refresh token
 * would only be a longer-lived credential it never uses. Without grant_types Auth0 applies its
 * defaults, which include implicit and client_credentials.
 */
function grantTypes(value: unknown, at: FieldSource, report: Report): void {
  const fix = 'grant_types: [authorization_code]';
  if (!Array.isArray(value)) {
    report(
      at('grant_types'),
      `the ${SERVICE_CLIENT} client must list its grant types (without them Auth0 applies its defaults, which include implicit and client_credentials)`,
      `write ${fix}`,
    );
    return;
  }
  value.forEach((grant: unknown, i) => {
    if (grant !== 'authorization_code')
      report(
        at('grant_types', i),
        `${typeof grant === 'string' ? grant : 'this entry'} is not a grant type the account service uses: it signs users in with the authorization code flow only, and keeps no refresh token`,
        `remove it: ${fix}`,
      );
  });
  if (!value.includes('authorization_code'))
    report(
      at('grant_types'),
      `lacks authorization_code: the linking proof and the profile sign-in cannot run`,
      `write ${fix}`,
    );
}

/** Checks each callback and returns the service's origins (those of the well-formed callbacks). */
function callbacks(value: unknown, at: FieldSource, report: Report): string[] {
  const expected = Object.keys(CALLBACKS).join(' or ');
  if (!Array.isArray(value)) {
    report(
      at('callbacks'),
      `the ${SERVICE_CLIENT} client's callbacks must be a list of URLs`,
      `list <origin>${Object.keys(CALLBACKS).join(' and <origin>')} for each origin the service runs on`,
    );
    return [];
  }
  const urls: URL[] = [];
  value.forEach((entry: unknown, i) => {
    const url = serviceUrl(entry);
    if (url && url.pathname in CALLBACKS && url.search === '' && url.hash === '') urls.push(url);
    else
      report(
        at('callbacks', i),
        `not a callback of the account service: <origin>${expected}, the origin https (http only on loopback), without wildcard, credentials, query or fragment`,
        'correct or remove it: the tenant sends authorization codes for this client to every callback listed',
      );
  });
  const origins = [...new Set(urls.map((u) => u.origin))];
  for (const origin of origins) {
    for (const [path, feature] of Object.entries(CALLBACKS)) {
      if (!urls.some((u) => u.origin === origin && u.pathname === path))
        report(
          at('callbacks'),
          `lacks ${origin}${path}: the tenant would refuse ${feature} on ${origin}`,
          `add ${origin}${path}`,
        );
    }
  }
  if (origins.length === 0 && value.length === 0)
    report(at('callbacks'), `the ${SERVICE_CLIENT} client has no callback`, `list <origin>${expected}`);
  return origins;
}

function logoutUrls(value: unknown, origins: readonly string[], at: FieldSource, report: Report): void {
  const listed = Array.isArray(value) ? value : [];
  for (const origin of origins) {
    if (!listed.includes(`${origin}/`))
      report(
        at('allowed_logout_urls'),
        `lacks ${origin}/: signing out of the account service on ${origin} could not return to it`,
        `add ${origin}/`,
      );
  }
}

/** TERMS_URL and LINKING_URL as the Actions get them: the service's pages, on one of its origins. */
function pageUrls(ctx: RuleContext, origins: readonly string[], report: Report): void {
  const { manifest, resolved, environment } = ctx;
  const unset = new Set(environment.missingSecrets.map((m) => m.keyword));
  const seen: { name: string; origin: string }[] = [];
  manifest.actions.forEach((action, a) => {
    action.secrets.forEach((secret, s) => {
      const path = PAGES[secret.name];
      if (path === undefined) return;
      const valuePath = [...secret.path, 'value'];
      const marker = keywordOf(valueAt(manifest.yaml.value, valuePath));
      if (marker !== undefined && unset.has(marker)) return; // reported as a missing secret
      const where = source(ctx, valuePath, []);
      const url = serviceUrl(resolved?.manifest.actions[a]?.secrets[s]?.value);
      const fix = `use ${url && origins.includes(url.origin) ? url.origin : origins[0]}${path}`;
      if (!url) {
        report(
          where,
          `${secret.name} of ${action.name} must be an https URL (http only on loopback, as Auth0 allows) without credentials or wildcard`,
          fix,
        );
      } else if (!origins.includes(url.origin)) {
        report(
          where,
          `${secret.name} of ${action.name} is not on the account service's origin (${origins.join(', ')}, from the ${SERVICE_CLIENT} client's callbacks): the Action would send users and their session tokens elsewhere`,
          fix,
        );
      } else if (url.pathname !== path || url.search !== '' || url.hash !== '') {
        report(
          where,
          `${secret.name} of ${action.name} must be exactly the service's ${path} page (no other path, query or fragment)`,
          fix,
        );
      } else if (seen.length > 0 && seen.every((p) => p.origin !== url.origin)) {
        report(
          where,
          `${secret.name} of ${action.name} is on another origin than ${seen.map((p) => p.name).join(', ')}: both are pages of one service (ACCOUNT_BASE_URL)`,
          `put both on the same origin`,
        );
      } else seen.push({ name: secret.name, origin: url.origin });
    });
  });
}

/** The `Account Service M2M` client's grants: the Management API only, exactly SCOPES. */
function managementGrant(ctx: RuleContext): Issue[] {
  const { manifest, resolved, environment } = ctx;
  if (!resolved) return [];
  const issues: Issue[] = [];
  const managementApi = `https://${environment.auth0Domain}/api/v2/`;
  const grants = resolved.manifest.clientGrants.filter((g) => g.clientName === SERVICE_M2M_CLIENT);
  const m2m = manifest.clients.find((c) => c.name === SERVICE_M2M_CLIENT);
  if (m2m && !grants.some((g) => g.audience === managementApi)) {
    issues.push(
      issueAt(
        manifest.yaml,
        m2m.path,
        `${SERVICE_M2M_CLIENT} has no grant for the Management API: the profile pages and the account deletion would fail`,
        `add {client_id: ${SERVICE_M2M_CLIENT}, audience: 'https://##AUTH0_DOMAIN##/api/v2/', scope: [${Object.keys(
          SCOPES,
        )
          .map((s) => `'${s}'`)
          .join(', ')}]}`,
      ),
    );
  }
  for (const grant of grants) {
    if (grant.audience !== managementApi) {
      issues.push(
        issueAt(
          manifest.yaml,
          [...grant.path, 'audience'],
          `${SERVICE_M2M_CLIENT} is granted an API the account service never calls with it (it calls the Management API only)`,
          'remove this grant',
        ),
      );
      continue;
    }
    const scope = valueAt(resolved.yaml.value, [...grant.path, 'scope']);
    if (!Array.isArray(scope)) {
      issues.push(
        issueAt(
          manifest.yaml,
          [...grant.path, 'scope'],
          'must be a list of scopes',
          `write scope: [${Object.keys(SCOPES).join(', ')}]`,
        ),
      );
      continue;
    }
    scope.forEach((s: unknown, i) => {
      if (typeof s !== 'string' || !(s in SCOPES))
        issues.push(
          issueAt(
            manifest.yaml,
            [...grant.path, 'scope', i],
            `${typeof s === 'string' ? s : 'this entry'} is not a scope the account service uses (least privilege: whoever holds ${SERVICE_M2M_CLIENT}'s secret gets every scope granted)`,
            'remove it',
          ),
        );
    });
    for (const [needed, feature] of Object.entries(SCOPES)) {
      if (!scope.includes(needed))
        issues.push(
          issueAt(manifest.yaml, [...grant.path, 'scope'], `lacks ${needed}: ${feature} would fail`, `add '${needed}'`),
        );
    }
  }
  return issues;
}

/**
 * Where a field of tenant.yaml is written: when it is just a `##KEY##` / `@@KEY@@` marker, the
 * keyword's line in the chosen environment's file (`rest` indexes into a list value there), else
 * the field itself.
 */
function source({ manifest, environment, environments }: RuleContext, path: FieldPath, rest: FieldPath): Where {
  const keyword = keywordOf(valueAt(manifest.yaml.value, path));
  const env = environments.find((e) => e.name === environment.name);
  if (keyword !== undefined && env?.keywords.has(keyword))
    return { yaml: env.yaml, path: ['keywords', keyword, ...rest] };
  if (keyword !== undefined && env?.secrets.has(keyword)) return { yaml: env.yaml, path: ['secrets', keyword] };
  return { yaml: manifest.yaml, path: [...path, ...rest] };
}

function keywordOf(value: unknown): string | undefined {
  return typeof value === 'string' ? /^(##|@@)([A-Za-z0-9_]+)\1$/.exec(value)?.[2] : undefined;
}

/** A URL the service may be reached at, as the Actions accept their page URLs (https, http on loopback). */
function serviceUrl(value: unknown): URL | undefined {
  const url = parsePageUrl(value);
  return url && !url.href.includes('*') ? url : undefined;
}

function valueAt(value: unknown, path: FieldPath): unknown {
  let node = value;
  for (const seg of path) {
    if (typeof seg === 'number') node = Array.isArray(node) ? (node as unknown[])[seg] : undefined;
    else node = isRecord(node) ? node[seg] : undefined;
  }
  return node;
}
