import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_ACTION_VERSIONS, type Action, type ActionVersion, type Sandbox } from '../../local/sandbox';
import { call, deployToken, startTestSandbox } from './helpers';

const BUILD_MS = 150;
const CODE =
  'exports.onExecutePostLogin = async (event, api) => { if (!event.secrets.KEY) api.access.deny("no key"); };';

let sandbox: Sandbox;
let token: string;

async function createAction(name: string, body: Record<string, unknown> = {}): Promise<Action> {
  const result = await call<Action>(sandbox, 'POST', '/api/v2/actions/actions', {
    token,
    body: { name, code: CODE, runtime: 'node22', supported_triggers: [{ id: 'post-login', version: 'v3' }], ...body },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body;
}

async function deploy(id: string): Promise<{ status: number; body: ActionVersion & { message?: string } }> {
  return call(sandbox, 'POST', `/api/v2/actions/actions/${id}/deploy`, { token });
}

async function built(id: string): Promise<void> {
  await sleep(BUILD_MS + 20);
  expect((await call<Action>(sandbox, 'GET', `/api/v2/actions/actions/${id}`, { token })).body.status).toBe('built');
}

async function bind(bindings: { ref: { type: string; value: string }; display_name?: string }[]) {
  return call<{ bindings: { action: Action; display_name: string }[]; message?: string }>(
    sandbox,
    'PATCH',
    '/api/v2/actions/triggers/post-login/bindings',
    { token, body: { bindings } },
  );
}

beforeAll(async () => {
  sandbox = await startTestSandbox({ actionBuildDelayMs: BUILD_MS });
  token = await deployToken(sandbox);
});

afterAll(async () => {
  await sandbox.close();
});

describe('action lifecycle', () => {
  test('created pending, built shortly after; deploying before that is refused like Auth0', async () => {
    const action = await createAction('lifecycle', { secrets: [{ name: 'KEY', value: 's3cr3t-value' }] });
    expect(action).toMatchObject({
      status: 'pending',
      all_changes_deployed: false,
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
    });
    const early = await deploy(action.id);
    expect(early.status).toBe(400);
    expect(early.body.message).toContain("must be in the 'built' state");
    await built(action.id);
    const version = await deploy(action.id);
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({
      number: 1,
      deployed: true,
      status: 'built',
      action_id: action.id,
      code: CODE,
    });
    const after = await call<Action>(sandbox, 'GET', `/api/v2/actions/actions/${action.id}`, { token });
    expect(after.body).toMatchObject({
      all_changes_deployed: true,
      deployed_version: { id: version.body.id, number: 1 },
    });
  });

  test('secret values are stored but never returned (names and updated_at only)', async () => {
    const action = await createAction('secretive', { secrets: [{ name: 'KEY', value: 'do-not-leak-me' }] });
    expect(JSON.stringify(action)).not.toContain('do-not-leak-me');
    expect(action.secrets).toEqual([{ name: 'KEY', updated_at: expect.any(String) }]);
    await built(action.id);
    const version = await deploy(action.id);
    expect(JSON.stringify(version.body)).not.toContain('do-not-leak-me');
    const listed = await call(sandbox, 'GET', '/api/v2/actions/actions', { token });
    expect(JSON.stringify(listed.body)).not.toContain('do-not-leak-me');
    const versions = await call(sandbox, 'GET', `/api/v2/actions/actions/${action.id}/versions`, { token });
    expect(JSON.stringify(versions.body)).not.toContain('do-not-leak-me');
  });

  test('PATCH makes a new draft: secrets without a value keep theirs, omitted ones go; the deployed version is untouched', async () => {
    const action = await createAction('drafts', {
      secrets: [
        { name: 'KEY', value: 'v1' },
        { name: 'OLD', value: 'old' },
      ],
    });
    await built(action.id);
    await deploy(action.id);
    await bind([{ ref: { type: 'action_name', value: 'drafts' } }]);
    const patched = await call<Action>(sandbox, 'PATCH', `/api/v2/actions/actions/${action.id}`, {
      token,
      body: { code: `${CODE}\n// v2`, secrets: [{ name: 'KEY' }, { name: 'NEW', value: 'n' }] },
    });
    expect(patched.body).toMatchObject({ status: 'pending', all_changes_deployed: false });
    expect(patched.body.secrets.map((s) => s.name)).toEqual(['KEY', 'NEW']);
    const live = sandbox.store.actions.deployedBindings('post-login').find((b) => b.name === 'drafts');
    expect(live).toMatchObject({ code: CODE, secrets: { KEY: 'v1', OLD: 'old' }, versionNumber: 1 });
    await built(action.id);
    await deploy(action.id);
    const redeployed = sandbox.store.actions.deployedBindings('post-login').find((b) => b.name === 'drafts');
    expect(redeployed).toMatchObject({ code: `${CODE}\n// v2`, secrets: { KEY: 'v1', NEW: 'n' }, versionNumber: 2 });
    const missingValue = await call(sandbox, 'PATCH', `/api/v2/actions/actions/${action.id}`, {
      token,
      body: { secrets: [{ name: 'NOPE' }] },
    });
    expect(missingValue.status).toBe(400);
  });

  test('a syntax error fails the build and the deploy', async () => {
    const action = await createAction('broken', { code: 'exports.onExecutePostLogin = async (event, api) => {' });
    await sleep(BUILD_MS + 20);
    const fetched = await call<Action>(sandbox, 'GET', `/api/v2/actions/actions/${action.id}`, { token });
    expect(fetched.body.status).toBe('failed');
    const result = await deploy(action.id);
    expect(result.status).toBe(400);
    expect(result.body.message).toContain("Current state: 'failed'");
  });

  test('payload checks: unknown trigger, trigger version, duplicate name, oversized code, deploy on create', async () => {
    const unknownTrigger = await call(sandbox, 'POST', '/api/v2/actions/actions', {
      token,
      body: { name: 'x', supported_triggers: [{ id: 'post-logon' }] },
    });
    expect(unknownTrigger.status).toBe(400);
    const wrongVersion = await call<{ message: string }>(sandbox, 'POST', '/api/v2/actions/actions', {
      token,
      body: { name: 'x', supported_triggers: [{ id: 'post-login', version: 'v1' }] },
    });
    expect(wrongVersion.body.message).toBe('Trigger post-login version v1 is not available; use v3');
    await createAction('unique-name');
    expect(
      (
        await call(sandbox, 'POST', '/api/v2/actions/actions', {
          token,
          body: { name: 'unique-name', supported_triggers: [{ id: 'post-login' }] },
        })
      ).status,
    ).toBe(409);
    const huge = await call(sandbox, 'POST', '/api/v2/actions/actions', {
      token,
      body: { name: 'huge', code: 'x'.repeat(100 * 1024 + 1), supported_triggers: [{ id: 'post-login' }] },
    });
    expect(huge.status).toBe(400);
    const deployOnCreate = await call(sandbox, 'POST', '/api/v2/actions/actions', {
      token,
      body: { name: 'eager', deploy: true, supported_triggers: [{ id: 'post-login' }] },
    });
    expect(deployOnCreate.status).toBe(400);
  });

  test(`keeps at most ${MAX_ACTION_VERSIONS} versions`, async () => {
    const action = await createAction('many-versions');
    await built(action.id);
    for (let i = 0; i < MAX_ACTION_VERSIONS + 3; i += 1) sandbox.store.actions.deploy(action.id);
    const versions = sandbox.store.actions.versions(action.id);
    expect(versions).toHaveLength(MAX_ACTION_VERSIONS);
    expect(versions[0]).toMatchObject({ number: MAX_ACTION_VERSIONS + 3, deployed: true });
    expect(versions.filter((v) => v.deployed)).toHaveLength(1);
    const page = await call<{ total: number; versions: ActionVersion[] }>(
      sandbox,
      'GET',
      `/api/v2/actions/actions/${action.id}/versions?per_page=5`,
      { token },
    );
    expect(page.body).toMatchObject({ total: MAX_ACTION_VERSIONS, per_page: 5 });
    expect(page.body.versions).toHaveLength(5);
  });
});

describe('trigger bindings', () => {
  let first: Action;
  let second: Action;

  beforeAll(async () => {
    first = await createAction('first');
    second = await createAction('second');
    await sleep(BUILD_MS + 20);
    await deploy(first.id);
    await deploy(second.id);
  });

  test('bindings replace the trigger list, in order, by name or id', async () => {
    const result = await bind([
      { ref: { type: 'action_id', value: second.id }, display_name: 'Second first' },
      { ref: { type: 'action_name', value: 'first' } },
    ]);
    expect(result.status).toBe(200);
    expect(result.body.bindings.map((b) => [b.action.name, b.display_name])).toEqual([
      ['second', 'Second first'],
      ['first', 'first'],
    ]);
    expect(sandbox.store.actions.deployedBindings('post-login').map((b) => b.name)).toEqual(['second', 'first']);
    const listed = await call<{ total: number; bindings: { action: { name: string } }[] }>(
      sandbox,
      'GET',
      '/api/v2/actions/triggers/post-login/bindings',
      { token },
    );
    expect(listed.body.bindings.map((b) => b.action.name)).toEqual(['second', 'first']);
  });

  test('an unknown or undeployed action, or one for another trigger, is refused and nothing changes', async () => {
    const before = sandbox.store.actions.deployedBindings('post-login').map((b) => b.name);
    const unknown = await bind([
      { ref: { type: 'action_name', value: 'first' } },
      { ref: { type: 'action_name', value: 'ghost' } },
    ]);
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Action not found: ghost' } });
    const undeployed = await createAction('never-deployed');
    await sleep(BUILD_MS + 20);
    const notDeployed = await bind([{ ref: { type: 'action_id', value: undeployed.id } }]);
    expect(notDeployed).toMatchObject({
      status: 400,
      body: { message: "Action 'never-deployed' must be deployed before it can be bound." },
    });
    const m2m = await createAction('m2m-only', { supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }] });
    await sleep(BUILD_MS + 20);
    await deploy(m2m.id);
    const wrongTrigger = await bind([{ ref: { type: 'action_id', value: m2m.id } }]);
    expect(wrongTrigger.status).toBe(400);
    expect(sandbox.store.actions.deployedBindings('post-login').map((b) => b.name)).toEqual(before);
  });

  test('unknown triggers are rejected; the trigger list names the supported ones', async () => {
    expect(
      (await call(sandbox, 'PATCH', '/api/v2/actions/triggers/post-logon/bindings', { token, body: { bindings: [] } }))
        .status,
    ).toBe(400);
    const triggers = await call<{ triggers: { id: string; version: string }[] }>(
      sandbox,
      'GET',
      '/api/v2/actions/triggers',
      { token },
    );
    expect(triggers.body.triggers).toContainEqual(expect.objectContaining({ id: 'post-login', version: 'v3' }));
  });

  test('a bound action is only deleted with force=true, which unbinds it', async () => {
    await bind([{ ref: { type: 'action_name', value: 'first' } }, { ref: { type: 'action_name', value: 'second' } }]);
    expect((await call(sandbox, 'DELETE', `/api/v2/actions/actions/${first.id}`, { token })).status).toBe(400);
    expect((await call(sandbox, 'DELETE', `/api/v2/actions/actions/${first.id}?force=true`, { token })).status).toBe(
      204,
    );
    expect(sandbox.store.actions.deployedBindings('post-login').map((b) => b.name)).toEqual(['second']);
  });
});
