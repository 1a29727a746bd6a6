import { Management } from 'auth0';
import type { Action, ActionCreate, ActionDeleteOptions, ActionUpdate, BindingRef } from '../store/actions';
import { ACTION_RUNTIMES, TRIGGERS, findTrigger } from '../store/triggers';
import { notFound } from '../errors';
import type { ApiContext, RouteModule } from './context';
import { registerCrud } from './crud';
import { pageOf, pageWindow } from './query';
import { arrayOf, boolean, idParams, integer, string, stringEnum, strictObject } from './schema';

// Auth0's trigger ids; the sandbox serves the subset in store/triggers.ts and rejects the rest.
const TRIGGER_IDS = [
  'post-login',
  'credentials-exchange',
  'pre-user-registration',
  'post-user-registration',
  'post-change-password',
  'send-phone-message',
  'custom-phone-provider',
  'custom-email-provider',
  'password-reset-post-challenge',
  'custom-token-exchange',
  'event-stream',
  'password-hash-migration',
  'login-post-identifier',
  'signup-post-identifier',
  'post-credential-validation',
];

const secret = strictObject({ name: string({ minLength: 1 }), value: string() }, ['name']);
const ACTION_FIELDS = {
  name: string({ minLength: 1, maxLength: 255 }),
  supported_triggers: arrayOf(
    strictObject(
      {
        id: stringEnum(TRIGGER_IDS),
        version: string(),
        // Echoed back by exports of GET /actions/triggers entries; accepted and ignored like Auth0.
        status: string(),
        runtimes: arrayOf(string()),
        default_runtime: string(),
        compatible_triggers: arrayOf(strictObject({ id: string(), version: string() })),
        binding_policy: string(),
      },
      ['id'],
    ),
    { minItems: 1 },
  ),
  // Auth0 limits an action's code to 100 kB; an oversized bundle should fail here, not in production.
  code: string({ maxLength: 100 * 1024 }),
  dependencies: arrayOf(
    strictObject({ name: string({ minLength: 1 }), version: string({ minLength: 1 }), registry_url: string() }, [
      'name',
      'version',
    ]),
  ),
  runtime: stringEnum(ACTION_RUNTIMES),
  secrets: arrayOf(secret),
};

const createBody = strictObject({ ...ACTION_FIELDS, deploy: boolean }, ['name', 'supported_triggers']);
const updateBody = strictObject(ACTION_FIELDS);

// Actions pages answer {total, page, per_page, <items>}; include_totals is not a parameter here.
const actionPageQuery = {
  page: integer({ minimum: 0 }),
  per_page: integer({ minimum: 1, maximum: 100 }),
};

interface PageParams {
  page?: number;
  per_page?: number;
}

interface ListQuery extends PageParams {
  triggerId?: string;
  actionName?: string;
  deployed?: boolean;
  installed?: boolean;
}

function actionsPage<K extends string, T>(key: K, items: readonly T[], query: PageParams) {
  const { limit } = pageWindow(query);
  return { total: items.length, page: query.page ?? 0, per_page: limit, [key]: pageOf(items, query) } as {
    total: number;
    page: number;
    per_page: number;
  } & Record<K, T[]>;
}

const triggerParams = strictObject({ triggerId: stringEnum(TRIGGER_IDS) }, ['triggerId']);

function requireTrigger(triggerId: string): void {
  if (!findTrigger(triggerId))
    throw notFound(`Trigger '${triggerId}' is not available in the sandbox.`, 'inexistent_trigger');
}

export const registerActions: RouteModule = (app, { store }: ApiContext) => {
  registerCrud<Action, ActionCreate, ActionUpdate, ListQuery, unknown, ActionDeleteOptions>(app, {
    path: '/actions/actions',
    repository: store.actions,
    scopes: {
      read: ['read:actions'],
      create: ['create:actions'],
      update: ['update:actions'],
      delete: ['delete:actions'],
    },
    schemas: {
      listQuery: strictObject({
        ...actionPageQuery,
        triggerId: stringEnum(TRIGGER_IDS),
        actionName: string(),
        deployed: boolean,
        installed: boolean,
      }),
      createBody,
      updateBody,
      deleteQuery: strictObject({ force: boolean }),
    },
    list: (query) => {
      // Sandbox actions are never marketplace installs.
      const actions = query.installed
        ? []
        : store.actions
            .list()
            .filter(
              (action) =>
                (query.actionName === undefined || action.name === query.actionName) &&
                (query.triggerId === undefined ||
                  action.supported_triggers.some((trigger) => trigger.id === query.triggerId)) &&
                (query.deployed === undefined || (action.deployed_version !== undefined) === query.deployed),
            );
      return actionsPage('actions', actions, query);
    },
  });

  app.post<{ Params: { id: string } }>(
    '/actions/actions/:id/deploy',
    {
      schema: { params: idParams() },
      config: { scopes: ['create:actions'] },
    },
    async (request) => store.actions.deploy(request.params.id),
  );

  app.get<{ Params: { actionId: string }; Querystring: PageParams }>(
    '/actions/actions/:actionId/versions',
    {
      schema: { params: idParams('actionId'), querystring: strictObject(actionPageQuery) },
      config: { scopes: ['read:actions'] },
    },
    async (request) => actionsPage('versions', store.actions.versions(request.params.actionId), request.query),
  );

  app.get<{ Params: { actionId: string; id: string } }>(
    '/actions/actions/:actionId/versions/:id',
    {
      schema: {
        params: strictObject({ actionId: string({ minLength: 1 }), id: string({ minLength: 1 }) }, ['actionId', 'id']),
      },
      config: { scopes: ['read:actions'] },
    },
    async (request) => store.actions.requireVersion(request.params.actionId, request.params.id),
  );

  app.get('/actions/triggers', { config: { scopes: ['read:actions'] } }, async () => ({ triggers: TRIGGERS }));

  app.get<{ Params: { triggerId: string }; Querystring: PageParams }>(
    '/actions/triggers/:triggerId/bindings',
    {
      schema: { params: triggerParams, querystring: strictObject(actionPageQuery) },
      config: { scopes: ['read:actions'] },
    },
    async (request) => {
      requireTrigger(request.params.triggerId);
      return actionsPage('bindings', store.actions.bindings(request.params.triggerId), request.query);
    },
  );

  app.patch<{ Params: { triggerId: string }; Body: { bindings?: BindingRef[] } }>(
    '/actions/triggers/:triggerId/bindings',
    {
      schema: {
        params: triggerParams,
        body: strictObject({
          bindings: arrayOf(
            strictObject(
              {
                ref: strictObject(
                  { type: stringEnum(Management.ActionBindingRefTypeEnum), value: string({ minLength: 1 }) },
                  ['type', 'value'],
                ),
                display_name: string({ minLength: 1 }),
              },
              ['ref'],
            ),
          ),
        }),
      },
      config: { scopes: ['update:actions', 'update:triggers'] },
    },
    async (request) => {
      requireTrigger(request.params.triggerId);
      return { bindings: store.actions.replaceBindings(request.params.triggerId, request.body.bindings ?? []) };
    },
  );
};
