import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { Sandbox } from '../../local/sandbox';
import { runDeployCli, type DeployCliResult } from '../../tooling/deploy/deploy-cli';
import type { Target } from '../../tooling/deploy/target';
import { SandboxClient } from '../../local/sandbox/client';
import { demoUserPassword, sandboxDeployment } from '../../tooling/deploy/sandbox-environment';
import { caFetch, isManagementApiRequest } from '../../local/sandbox';
import type { LoginResponse } from '../../local/sandbox/login/types';
import { accountOrigin, startSandboxAccountService } from '../../tooling/account-service/sandbox';
import {
  GOOGLE,
  NEW_GOOGLE_PROFILE,
  runJourneys,
  seedUsers,
  WEB_APP,
  type JourneyContext,
} from '../../tooling/start/journeys';
import { projectPaths } from '../../tooling/paths';
import { replaceKeywords, type KeywordMappings } from '../../tooling/tenant';
import { call, clientToken, deployToken, freePort, startTestSandbox } from './helpers';

// The real auth0-deploy-cli against a fresh sandbox, with the project's tenant/tenant.yaml and its
// sandbox environment, then the main journeys as logins through what it deployed. Each import
// costs ~35-45 s of CPU (deploy-cli compiles a large JSON schema), so this file runs exactly three
// imports and one export against one sandbox, in order, and the journeys share that deployment.

const paths = projectPaths();
const TENANT_FILE = paths.tenantFile;
const IMPORT_TIMEOUT = 240_000;

type Yaml = Record<string, unknown>;

let sandbox: Sandbox;
let target: Target;
let mappings: KeywordMappings;
let linkingClient: { client_id: string; client_secret: string };
let deployed: Yaml;
/** The account service's port: the deployed pages and callbacks are on it. */
let accountPort: number;
/** Requests served on /api/v2 and /oauth/token (the sandbox's request log). */
let managementCalls = 0;

function output(result: DeployCliResult): string {
  return `exit ${result.exitCode} after ${result.durationMs} ms${result.diagnosis ? ` (${result.diagnosis})` : ''}\n${result.stdout}\n${result.stderr}`;
}

function items(yaml: Yaml, key: string): Yaml[] {
  const value = yaml[key];
  return Array.isArray(value) ? (value as Yaml[]) : [];
}

function byName(list: Yaml[], name: string, key = 'name'): Yaml {
  const found = list.find((item) => item[key] === name);
  if (!found) throw new Error(`no ${key}=${name} in ${JSON.stringify(list.map((item) => item[key]))}`);
  return found;
}

/**
 * Every value in `expected` is in `actual`: objects may carry more fields (Auth0 adds defaults),
 * and lists of plain values are compared as sets (export sorts some of them).
 */
function expectSubset(actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    expect(actual, path).toBeTypeOf('object');
    for (const [key, value] of Object.entries(expected)) expectSubset((actual as Yaml)[key], value, `${path}.${key}`);
  } else if (Array.isArray(expected) && expected.every((value) => typeof value !== 'object' || value === null)) {
    expect([...(actual as unknown[])].sort(), path).toEqual([...expected].sort());
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((value, index) => expectSubset((actual as unknown[])[index], value, `${path}[${index}]`));
  } else {
    expect(actual, path).toEqual(expected);
  }
}

function omit(object: Yaml, keys: string[]): Yaml {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

beforeAll(async () => {
  sandbox = await startTestSandbox({
    log: (line) => {
      if (isManagementApiRequest(line)) managementCalls += 1;
    },
  });
  // What npm start does: the sandbox environment's secrets, with the linking client created first
  // (Auth0 issues its credentials on creation and the Action needs them as secrets; deploy-cli then
  // matches it by name and updates it), and the keyword values moved to this sandbox's free port.
  // The account service's pages and callbacks move to its port, as the sandbox's URLs do.
  accountPort = await freePort();
  const deployment = await sandboxDeployment(sandbox, paths, accountOrigin(accountPort));
  ({ target, mappings, linkingClient } = deployment);
  expect(mappings.AUTH0_DOMAIN).toBe(sandbox.domain);
  expect(mappings.TERMS_URL).toBe(`${accountOrigin(accountPort)}/terms`);
  expect(mappings.LINKING_URL).toBe(`${accountOrigin(accountPort)}/link`);
  deployed = parse(replaceKeywords(readFileSync(TENANT_FILE, 'utf8'), mappings)) as Yaml;
});

afterAll(async () => {
  await sandbox?.close();
});

/** What a no-op deploy must leave as it was: the ids of clients, connections and grants, and the deployed bindings. */
function deployedResources() {
  const ids = <T>(items: T[], id: (item: T) => string): string[] => items.map(id).sort();
  return {
    clients: ids(sandbox.store.clients.list(), (c) => c.client_id),
    connections: ids(sandbox.store.connections.list(), (c) => c.connection.id),
    grants: ids(sandbox.store.clientGrants.list(), (g) => g.grant.id),
    bindings: sandbox.store.actions.deployedBindings('post-login').map((b) => [b.name, b.code, b.secrets]),
  };
}

describe.sequential('auth0-deploy-cli 8.44 against the sandbox', () => {
  test(
    'deploys tenant.yaml into a fresh sandbox',
    async () => {
      const result = await runDeployCli(target, { command: 'import', inputFile: TENANT_FILE }, { mappings });
      expect(result.exitCode, output(result)).toBe(0);
      const { store } = sandbox;

      // Actions: every one deployed, with the secret values from the environment, bound in order.
      const bindings = store.actions.deployedBindings('post-login');
      const expectedOrder = (deployed.triggers as { 'post-login': { action_name: string }[] })['post-login'].map(
        (b) => b.action_name,
      );
      expect(bindings.map((binding) => binding.name)).toEqual(expectedOrder);
      for (const action of items(deployed, 'actions')) {
        const binding = bindings.find((b) => b.name === action.name);
        expect(binding, String(action.name)).toBeDefined();
        const secrets = Object.fromEntries(
          (action.secrets as { name: string; value: string }[]).map((s) => [s.name, s.value]),
        );
        expect(binding?.secrets).toEqual(secrets);
        expect(binding?.code).toBe(readFileSync(resolve(dirname(TENANT_FILE), String(action.code)), 'utf8'));
        expect(store.actions.getByName(String(action.name))?.all_changes_deployed).toBe(true);
      }
      expect(bindings.find((b) => b.name === 'prompt-account-linking')?.secrets.MGMT_CLIENT_ID).toBe(
        linkingClient.client_id,
      );

      // Clients, connections (with their enabled clients), grants, templates, settings.
      const clients = store.clients.list();
      const clientId = (name: string): string => clients.find((c) => c.name === name)?.client_id ?? `missing ${name}`;
      for (const client of items(deployed, 'clients'))
        expectSubset(
          clients.find((c) => c.name === client.name),
          client,
          `clients.${String(client.name)}`,
        );
      expect(clientId('Account Linking M2M')).toBe(linkingClient.client_id);
      for (const connection of [...items(deployed, 'databases'), ...items(deployed, 'connections')]) {
        const stored = store.connections.getByName(String(connection.name));
        expect(stored, String(connection.name)).toBeDefined();
        expect(stored?.strategy).toBe(connection.strategy);
        const enabled = (connection.enabled_clients as string[]).map(clientId).sort();
        expect(store.connections.enabledClients(stored?.id ?? '').sort()).toEqual(enabled);
      }
      expect(
        store.emailTemplates
          .list()
          .map((t) => t.template)
          .sort(),
      ).toEqual(
        items(deployed, 'emailTemplates')
          .map((t) => t.template)
          .sort(),
      );
      expect(store.tenant.settings().friendly_name).toBe((deployed.tenant as Yaml).friendly_name);
      expect(store.tenant.emailProvider()?.name).toBe('smtp');

      // The linking client gets exactly its grant, and the API enforces it.
      const token = await clientToken(sandbox, linkingClient.client_id, linkingClient.client_secret);
      expect(token.status).toBe(200);
      expect(token.body.scope.split(' ').sort()).toEqual(['read:users', 'update:users']);
      const lookup = await call(sandbox, 'GET', '/api/v2/users-by-email?email=nobody%40example.com', {
        token: token.body.access_token,
      });
      expect(lookup.status).toBe(200);
      const remove = await call(sandbox, 'DELETE', '/api/v2/users/auth0%7Cabc', { token: token.body.access_token });
      expect(remove.status).toBe(403);
    },
    IMPORT_TIMEOUT,
  );

  test(
    'a second deploy with no change is clean, riding out an injected 429 and 503',
    async () => {
      const before = deployedResources();
      // One rate limit on a client update and one outage on the bindings update: the SDK retries both.
      sandbox.faults.set([
        { method: 'PATCH', path: '/api/v2/clients/*', status: 429, retryAfter: 1 },
        { method: 'PATCH', path: '/api/v2/actions/triggers/post-login/bindings', status: 503 },
      ]);
      const result = await runDeployCli(target, { command: 'import', inputFile: TENANT_FILE }, { mappings });
      const hits = sandbox.faults.hits();
      sandbox.faults.set([]);
      expect(result.exitCode, output(result)).toBe(0);
      expect(hits.map((hit) => hit.status).sort()).toEqual([429, 503]);
      // Nothing created or deleted, no error logged (ANSI colours stripped from winston's level).
      expect(stripVTControlCharacters(result.stdout)).not.toMatch(/Created \[|Deleted \[| - error:/);
      expect(deployedResources()).toEqual(before);
      // deploy-cli re-deploys every `deployed: true` Action on each run (Auth0 then keeps a new version).
      expect(sandbox.store.actions.deployedBindings('post-login').every((b) => b.versionNumber === 2)).toBe(true);
    },
    IMPORT_TIMEOUT,
  );

  test(
    'export succeeds and its YAML matches what was deployed (secrets aside)',
    async () => {
      const outputFolder = mkdtempSync(join(tmpdir(), 'sandbox-export-'));
      try {
        const result = await runDeployCli(target, { command: 'export', outputFolder });
        expect(result.exitCode, output(result)).toBe(0);
        const exported = parse(readFileSync(join(outputFolder, 'tenant.yaml'), 'utf8')) as Yaml;
        const deployedDir = dirname(TENANT_FILE);

        expectSubset(exported.tenant, deployed.tenant, 'tenant');
        expectSubset(exported.attackProtection, deployed.attackProtection, 'attackProtection');
        for (const key of ['clients', 'databases', 'resourceServers']) {
          for (const item of items(deployed, key))
            expectSubset(byName(items(exported, key), String(item.name)), item, `${key}.${String(item.name)}`);
        }
        for (const connection of items(deployed, 'connections')) {
          const options = omit(connection.options as Yaml, ['client_secret']);
          expectSubset(
            byName(items(exported, 'connections'), String(connection.name)),
            { ...connection, options },
            `connections.${String(connection.name)}`,
          );
        }
        for (const grant of items(deployed, 'clientGrants')) {
          const found = items(exported, 'clientGrants').find(
            (g) => g.client_id === grant.client_id && g.audience === grant.audience,
          );
          expectSubset(found, grant, `clientGrants.${String(grant.client_id)}`);
        }
        const provider = deployed.emailProvider as Yaml;
        expectSubset(
          exported.emailProvider,
          { ...provider, credentials: omit(provider.credentials as Yaml, ['smtp_user', 'smtp_pass']) },
          'emailProvider',
        );
        for (const template of items(deployed, 'emailTemplates')) {
          const found = byName(items(exported, 'emailTemplates'), String(template.template), 'template');
          expectSubset(omit(found, ['body']), omit(template, ['body']), `emailTemplates.${String(template.template)}`);
          const body = replaceKeywords(readFileSync(resolve(deployedDir, String(template.body)), 'utf8'), mappings);
          expect(readFileSync(resolve(outputFolder, String(found.body)), 'utf8')).toBe(body);
        }
        for (const action of items(deployed, 'actions')) {
          const found = byName(items(exported, 'actions'), String(action.name));
          expectSubset(
            omit(found, ['code', 'secrets']),
            omit(action, ['code', 'secrets']),
            `actions.${String(action.name)}`,
          );
          // Secret values are never exported: names only.
          expect((found.secrets as { name: string }[]).map((s) => s.name).sort()).toEqual(
            (action.secrets as { name: string }[]).map((s) => s.name).sort(),
          );
          expect(readFileSync(resolve(outputFolder, String(found.code)), 'utf8')).toBe(
            readFileSync(resolve(deployedDir, String(action.code)), 'utf8'),
          );
        }
        expect(exported.triggers).toEqual(deployed.triggers);
      } finally {
        rmSync(outputFolder, { recursive: true, force: true });
      }
    },
    IMPORT_TIMEOUT,
  );

  test('the main journeys run as logins through the deployed Actions and the account service, and the stored users show it', async () => {
    const { store } = sandbox;
    // What npm start does once the tenant is deployed: the account service, configured from the sandbox.
    const account = await startSandboxAccountService({ sandbox, port: accountPort });
    const sandboxFetch = caFetch(readFileSync(sandbox.caPath));
    const context: JourneyContext = {
      client: new SandboxClient(sandbox),
      token: await deployToken(sandbox),
      termsVersion: String(mappings.TERMS_VERSION),
      password: demoUserPassword(sandbox.stateDir),
      managementCalls: () => managementCalls,
      pages: { link: String(mappings.LINKING_URL), terms: String(mappings.TERMS_URL) },
      sandboxFetch: sandboxFetch.fetch,
    };
    const users = await seedUsers(context);
    const results = await runJourneys(context, users).finally(async () => {
      sandboxFetch.close();
      await account.close();
    });
    for (const result of results) expect(result.problems, `${result.name}\n${result.steps.join('\n')}`).toEqual([]);
    expect(results.map((result) => result.final?.outcome)).toEqual(['allowed', 'allowed', 'denied', 'allowed']);
    const [linking, returning, blocked, bump] = results;

    // New Google user: linked under the existing account, terms recorded there, tokens for it.
    expect(linking?.final).toMatchObject({
      outcome: 'allowed',
      user_id: users.existing,
      claims: { sub: users.existing, iss: `${sandbox.url}/` },
    });
    expect(linking?.managementCalls).toBeGreaterThan(0);
    const existing = store.users.require(users.existing);
    expect(existing.identities.map((i) => `${i.provider}|${i.user_id}`)).toEqual([
      users.existing,
      `google-oauth2|${NEW_GOOGLE_PROFILE.sub}`,
    ]);
    expect(existing.app_metadata).toMatchObject({
      terms: { version: context.termsVersion },
      account_linking: { status: 'linked' },
    });
    expect(store.users.get(`google-oauth2|${NEW_GOOGLE_PROFILE.sub}`)).toBeUndefined();

    // Returning user: no redirect, no Management API call; blocked user: gate-apps alone, nothing stored.
    expect(returning?.managementCalls).toBe(0);
    expect(blocked?.final).toMatchObject({
      outcome: 'denied',
      error_description: 'app_blocked',
      executed: [{ action: 'gate-apps', handler: 'onExecutePostLogin' }],
    });
    expect(store.users.require(users.blocked).app_metadata).not.toHaveProperty('terms');

    // Terms bump: only enforce-terms was redeployed (a new version with the new secret).
    const versions = Object.fromEntries(
      store.actions.deployedBindings('post-login').map((b) => [b.name, b.versionNumber]),
    );
    expect(versions).toEqual({
      'gate-apps': 2,
      'prompt-account-linking': 2,
      'enforce-terms': 3,
      'override-profile': 2,
    });
    const bumped = store.actions.deployedBindings('post-login').find((b) => b.name === 'enforce-terms')
      ?.secrets.TERMS_VERSION;
    expect(bump?.final?.outcome).toBe('allowed');
    expect(store.users.require(users.returning).app_metadata.terms).toMatchObject({ version: bumped });
    expect(store.users.require(users.returning).logins_count).toBe(2);

    // The linked user comes back with Google: the primary, no linking prompt or lookup, asked for the new terms.
    const before = managementCalls;
    const back = await context.client.request<LoginResponse>('POST', '/sandbox/login', {
      token: context.token,
      json: { client: WEB_APP, connection: GOOGLE, flow: 'interactive', profile: NEW_GOOGLE_PROFILE },
    });
    expect(back.body).toMatchObject({ outcome: 'redirect', user_id: users.existing });
    expect(back.body.outcome === 'redirect' && back.body.url.split('?')[0]).toBe(`${account.url}/terms`);
    expect(managementCalls - before).toBe(0);
  });

  test(
    'a persistent failure fails the deploy within seconds, with a clear message',
    async () => {
      // Every client update is rate limited: the SDK retries once, deploy-cli's own 429 retry once.
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/clients/*', status: 429, retryAfter: 1, times: 'always' }]);
      const result = await runDeployCli(
        target,
        { command: 'import', inputFile: TENANT_FILE },
        { mappings, apiMaxRetries: 1, maxRetries: 1 },
      );
      const hits = sandbox.faults.hits();
      sandbox.faults.set([]);
      expect(result.exitCode, output(result)).toBe(1);
      expect(result.stdout + result.stderr).toMatch(/Problem updating clients[\s\S]*Global limit has been reached/);
      // Capped: at most (1 + 1 SDK) x (1 + 1 deploy-cli) attempts per client, and over within seconds.
      const perClient = new Map<string, number>();
      for (const hit of hits) perClient.set(hit.path, (perClient.get(hit.path) ?? 0) + 1);
      expect(Math.max(...perClient.values())).toBeLessThanOrEqual(4);
      const failedAfter = Date.now() - Math.min(...hits.map((hit) => hit.at));
      console.log(
        `persistent 429: ${hits.length} rate-limited requests, deploy failed ${failedAfter} ms after the first`,
      );
      expect(failedAfter).toBeLessThan(30_000);
    },
    IMPORT_TIMEOUT,
  );
});
