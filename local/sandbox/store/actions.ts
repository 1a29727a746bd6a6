import { compileFunction } from 'node:vm';
import type { Db } from './db';
import { newUuid, nowIso } from './ids';
import { parseDoc } from './json';
import { badRequest, notFound, conflict } from '../errors';
import { DEFAULT_RUNTIME, findTrigger } from './triggers';

export interface ActionTriggerRef {
  id: string;
  version?: string;
}

export interface ActionDependency {
  name: string;
  version: string;
  registry_url?: string;
}

export interface ActionSecretInput {
  name: string;
  value?: string;
}

export interface ActionCreate {
  name: string;
  supported_triggers: ActionTriggerRef[];
  code?: string;
  dependencies?: ActionDependency[];
  runtime?: string;
  secrets?: ActionSecretInput[];
  deploy?: boolean;
}

export type ActionUpdate = Partial<Omit<ActionCreate, 'deploy'>>;

export type ActionStatus = 'pending' | 'built' | 'failed';

/** Secret values never leave the store through the API: names and timestamps only. */
export interface ActionSecretInfo {
  name: string;
  updated_at: string;
}

export interface ActionSummary {
  id: string;
  name: string;
  supported_triggers: ActionTriggerRef[];
  all_changes_deployed: boolean;
  created_at: string;
  updated_at: string;
}

export interface ActionVersion {
  id: string;
  action_id: string;
  number: number;
  code: string;
  runtime: string;
  dependencies: ActionDependency[];
  secrets: ActionSecretInfo[];
  supported_triggers: ActionTriggerRef[];
  deployed: boolean;
  status: 'built';
  errors: never[];
  built_at: string;
  created_at: string;
  updated_at: string;
  action: ActionSummary;
}

export interface Action extends ActionSummary {
  code: string;
  runtime: string;
  dependencies: ActionDependency[];
  secrets: ActionSecretInfo[];
  status: ActionStatus;
  built_at?: string;
  deployed_version?: ActionVersion;
}

export interface TriggerBinding {
  id: string;
  trigger_id: string;
  display_name: string;
  created_at: string;
  updated_at: string;
  action: Action;
}

export interface BindingRef {
  ref: { type?: string; value?: string };
  display_name?: string;
}

/** What the login runtime executes for one binding: the action's deployed version. */
export interface DeployedBinding {
  bindingId: string;
  displayName: string;
  actionId: string;
  name: string;
  versionId: string;
  versionNumber: number;
  runtime: string;
  code: string;
  dependencies: ActionDependency[];
  secrets: Record<string, string>;
}

/** Auth0 keeps this many versions per action; older ones are dropped on deploy. */
export const MAX_ACTION_VERSIONS = 50;

interface ActionRow {
  id: string;
  name: string;
  code: string;
  runtime: string;
  dependencies: string;
  supported_triggers: string;
  build_ready_at: number;
  build_error: string | null;
  all_changes_deployed: number;
  created_at: string;
  updated_at: string;
}

interface VersionRow {
  id: string;
  action_id: string;
  number: number;
  code: string;
  runtime: string;
  dependencies: string;
  secrets: string;
  supported_triggers: string;
  deployed: number;
  created_at: string;
}

interface SecretRow {
  name: string;
  value: string;
  updated_at: string;
}

interface BindingRow {
  id: string;
  trigger_id: string;
  action_id: string;
  display_name: string;
  created_at: string;
  updated_at: string;
}

export interface ActionsRepoOptions {
  /** How long an action stays `pending` after create/update, modelling Auth0's async build. */
  buildDelayMs: number;
}

export class ActionsRepo {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly options: ActionsRepoOptions,
  ) {
    const actionColumns =
      'id, name, code, runtime, dependencies, supported_triggers, build_ready_at, build_error, all_changes_deployed, created_at, updated_at';
    const versionColumns = 'id, action_id, number, code, runtime, dependencies, secrets, supported_triggers, deployed, created_at';
    this.s = {
      all: db.prepare<[], ActionRow>(`SELECT ${actionColumns} FROM actions ORDER BY rowid`),
      byId: db.prepare<[string], ActionRow>(`SELECT ${actionColumns} FROM actions WHERE id = ?`),
      byName: db.prepare<[string], ActionRow>(`SELECT ${actionColumns} FROM actions WHERE name = ?`),
      insert: db.prepare<[string, string, string, string, string, string, number, string | null, string, string]>(
        `INSERT INTO actions (id, name, code, runtime, dependencies, supported_triggers, build_ready_at, build_error,
           all_changes_deployed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      ),
      update: db.prepare<[string, string, string, string, string, number, string | null, string, string]>(
        `UPDATE actions SET name = ?, code = ?, runtime = ?, dependencies = ?, supported_triggers = ?, build_ready_at = ?,
           build_error = ?, all_changes_deployed = 0, updated_at = ? WHERE id = ?`,
      ),
      markDeployed: db.prepare<[string, string]>('UPDATE actions SET all_changes_deployed = 1, updated_at = ? WHERE id = ?'),
      delete: db.prepare<[string]>('DELETE FROM actions WHERE id = ?'),
      secrets: db.prepare<[string], SecretRow>('SELECT name, value, updated_at FROM action_secrets WHERE action_id = ? ORDER BY name'),
      deleteSecrets: db.prepare<[string]>('DELETE FROM action_secrets WHERE action_id = ?'),
      insertSecret: db.prepare<[string, string, string, string]>(
        'INSERT INTO action_secrets (action_id, name, value, updated_at) VALUES (?, ?, ?, ?)',
      ),
      versions: db.prepare<[string], VersionRow>(`SELECT ${versionColumns} FROM action_versions WHERE action_id = ? ORDER BY number DESC`),
      version: db.prepare<[string, string], VersionRow>(`SELECT ${versionColumns} FROM action_versions WHERE action_id = ? AND id = ?`),
      deployedVersion: db.prepare<[string], VersionRow>(
        `SELECT ${versionColumns} FROM action_versions WHERE action_id = ? AND deployed = 1`,
      ),
      maxVersion: db.prepare<[string], { n: number | null }>('SELECT max(number) AS n FROM action_versions WHERE action_id = ?'),
      undeployAll: db.prepare<[string]>('UPDATE action_versions SET deployed = 0 WHERE action_id = ?'),
      insertVersion: db.prepare<[string, string, number, string, string, string, string, string, string]>(
        `INSERT INTO action_versions (id, action_id, number, code, runtime, dependencies, secrets, supported_triggers, deployed, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
      ),
      pruneVersions: db.prepare<[string, number]>('DELETE FROM action_versions WHERE action_id = ? AND number <= ?'),
      bindings: db.prepare<[string], BindingRow>(
        'SELECT id, trigger_id, action_id, display_name, created_at, updated_at FROM trigger_bindings WHERE trigger_id = ? ORDER BY position',
      ),
      bindingCount: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM trigger_bindings WHERE action_id = ?'),
      deleteBindings: db.prepare<[string]>('DELETE FROM trigger_bindings WHERE trigger_id = ?'),
      insertBinding: db.prepare<[string, string, number, string, string, string, string]>(
        `INSERT INTO trigger_bindings (id, trigger_id, position, action_id, display_name, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  list(): Action[] {
    return this.s.all.all().map((row) => this.toAction(row));
  }

  get(id: string): Action | undefined {
    const row = this.s.byId.get(id);
    return row ? this.toAction(row) : undefined;
  }

  getByName(name: string): Action | undefined {
    const row = this.s.byName.get(name);
    return row ? this.toAction(row) : undefined;
  }

  require(id: string): Action {
    const action = this.get(id);
    if (!action) throw notFound('The action does not exist.', 'inexistent_action');
    return action;
  }

  create(input: ActionCreate): Action {
    if (input.deploy) {
      throw badRequest('The sandbox does not deploy on create: call POST /actions/actions/{id}/deploy once built');
    }
    return this.db.transaction(() => {
      if (this.s.byName.get(input.name)) throw conflict(`An action with the name '${input.name}' already exists.`, 'action_conflict');
      const id = newUuid();
      const now = nowIso();
      const code = input.code ?? '';
      this.s.insert.run(
        id,
        input.name,
        code,
        input.runtime ?? DEFAULT_RUNTIME,
        JSON.stringify(input.dependencies ?? []),
        JSON.stringify(normalizeTriggers(input.supported_triggers)),
        Date.now() + this.options.buildDelayMs,
        buildError(code),
        now,
        now,
      );
      this.replaceSecrets(id, input.secrets ?? [], now);
      return this.require(id);
    })();
  }

  /** Any change makes a new draft that must be built (and deployed) again, as in Auth0. */
  update(id: string, patch: ActionUpdate): Action {
    return this.db.transaction(() => {
      const row = this.s.byId.get(id);
      if (!row) throw notFound('The action does not exist.', 'inexistent_action');
      if (patch.name !== undefined && patch.name !== row.name && this.s.byName.get(patch.name)) {
        throw conflict(`An action with the name '${patch.name}' already exists.`, 'action_conflict');
      }
      const now = nowIso();
      const code = patch.code ?? row.code;
      this.s.update.run(
        patch.name ?? row.name,
        code,
        patch.runtime ?? row.runtime,
        patch.dependencies ? JSON.stringify(patch.dependencies) : row.dependencies,
        patch.supported_triggers ? JSON.stringify(normalizeTriggers(patch.supported_triggers)) : row.supported_triggers,
        Date.now() + this.options.buildDelayMs,
        buildError(code),
        now,
        id,
      );
      if (patch.secrets) this.replaceSecrets(id, patch.secrets, now);
      return this.require(id);
    })();
  }

  delete(id: string, force: boolean): void {
    this.db.transaction(() => {
      this.require(id);
      if (!force && (this.s.bindingCount.get(id)?.n ?? 0) > 0) {
        throw badRequest('The action is bound to a trigger; unbind it first or delete with force=true.', 'action_bound');
      }
      this.s.delete.run(id);
    })();
  }

  /** Snapshots the current draft (with secret values) as a new deployed version. */
  deploy(id: string): ActionVersion {
    return this.db.transaction(() => {
      const action = this.require(id);
      if (action.status !== 'built') {
        throw badRequest(
          `An action must be in the 'built' state to be deployed. Current state: '${action.status}'.`,
          'action_not_built',
        );
      }
      const row = this.s.byId.get(id) as ActionRow;
      const number = (this.s.maxVersion.get(id)?.n ?? 0) + 1;
      const versionId = newUuid();
      const now = nowIso();
      const secrets = Object.fromEntries(this.s.secrets.all(id).map((s) => [s.name, { value: s.value, updated_at: s.updated_at }]));
      this.s.undeployAll.run(id);
      this.s.insertVersion.run(versionId, id, number, row.code, row.runtime, row.dependencies, JSON.stringify(secrets),
        row.supported_triggers, now);
      this.s.pruneVersions.run(id, number - MAX_ACTION_VERSIONS);
      this.s.markDeployed.run(now, id);
      return this.requireVersion(id, versionId);
    })();
  }

  versions(actionId: string): ActionVersion[] {
    const action = this.require(actionId);
    return this.s.versions.all(actionId).map((row) => toVersion(row, action));
  }

  requireVersion(actionId: string, versionId: string): ActionVersion {
    const action = this.require(actionId);
    const row = this.s.version.get(actionId, versionId);
    if (!row) throw notFound('The action version does not exist.', 'inexistent_action_version');
    return toVersion(row, action);
  }

  bindings(triggerId: string): TriggerBinding[] {
    return this.s.bindings.all(triggerId).map((row) => ({
      id: row.id,
      trigger_id: row.trigger_id,
      display_name: row.display_name,
      created_at: row.created_at,
      updated_at: row.updated_at,
      action: this.require(row.action_id),
    }));
  }

  /**
   * PATCH /actions/triggers/{id}/bindings: the list replaces the trigger's bindings, in order.
   * Each referenced action must exist, support the trigger and have a deployed version.
   */
  replaceBindings(triggerId: string, refs: readonly BindingRef[]): TriggerBinding[] {
    return this.db.transaction(() => {
      const actions = refs.map((binding) => this.resolveBinding(triggerId, binding));
      this.s.deleteBindings.run(triggerId);
      const now = nowIso();
      actions.forEach((action, position) => {
        const displayName = refs[position]?.display_name ?? action.name;
        this.s.insertBinding.run(newUuid(), triggerId, position, action.id, displayName, now, now);
      });
      return this.bindings(triggerId);
    })();
  }

  /** The login runtime's view: bound actions in execution order, as deployed (code + secret values). */
  deployedBindings(triggerId: string): DeployedBinding[] {
    return this.s.bindings.all(triggerId).map((binding) => {
      const row = this.s.byId.get(binding.action_id) as ActionRow;
      const version = this.s.deployedVersion.get(binding.action_id);
      if (!version) throw new Error(`Bound action ${row.name} has no deployed version`);
      const secrets = parseDoc<Record<string, { value: string }>>(version.secrets);
      return {
        bindingId: binding.id,
        displayName: binding.display_name,
        actionId: row.id,
        name: row.name,
        versionId: version.id,
        versionNumber: version.number,
        runtime: version.runtime,
        code: version.code,
        dependencies: parseDoc<ActionDependency[]>(version.dependencies),
        secrets: Object.fromEntries(Object.entries(secrets).map(([name, secret]) => [name, secret.value])),
      };
    });
  }

  private resolveBinding(triggerId: string, binding: BindingRef): Action {
    const { type, value } = binding.ref;
    if (!value) throw badRequest('Binding ref.value is required');
    let action: Action | undefined;
    if (type === 'action_name') action = this.getByName(value);
    else if (type === 'action_id') action = this.get(value);
    else throw badRequest(`Unsupported binding ref type: ${type ?? '(none)'}; use action_name or action_id`);
    if (!action) throw notFound(`Action not found: ${value}`, 'inexistent_action');
    if (!action.supported_triggers.some((t) => t.id === triggerId)) {
      throw badRequest(`Action '${action.name}' does not support the trigger '${triggerId}'.`, 'invalid_binding');
    }
    if (!action.deployed_version) {
      throw badRequest(`Action '${action.name}' must be deployed before it can be bound.`, 'action_not_deployed');
    }
    return action;
  }

  private replaceSecrets(actionId: string, secrets: readonly ActionSecretInput[], now: string): void {
    const current = new Map(this.s.secrets.all(actionId).map((s) => [s.name, s]));
    const names = new Set<string>();
    const next: SecretRow[] = secrets.map((secret) => {
      if (names.has(secret.name)) throw badRequest(`Duplicate secret name: ${secret.name}`);
      names.add(secret.name);
      // A secret sent without a value keeps its stored one (an exported YAML has names only).
      if (secret.value === undefined) {
        const existing = current.get(secret.name);
        if (!existing) throw badRequest(`Secret '${secret.name}' has no value`);
        return existing;
      }
      const unchanged = current.get(secret.name)?.value === secret.value;
      return { name: secret.name, value: secret.value, updated_at: unchanged ? (current.get(secret.name)?.updated_at ?? now) : now };
    });
    this.s.deleteSecrets.run(actionId);
    for (const secret of next) this.s.insertSecret.run(actionId, secret.name, secret.value, secret.updated_at);
  }

  private toAction(row: ActionRow): Action {
    const status = actionStatus(row);
    const deployed = this.s.deployedVersion.get(row.id);
    const summary: ActionSummary = {
      id: row.id,
      name: row.name,
      supported_triggers: parseDoc<ActionTriggerRef[]>(row.supported_triggers),
      all_changes_deployed: row.all_changes_deployed === 1,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
    return {
      ...summary,
      code: row.code,
      runtime: row.runtime,
      dependencies: parseDoc<ActionDependency[]>(row.dependencies),
      secrets: this.s.secrets.all(row.id).map(({ name, updated_at }) => ({ name, updated_at })),
      status,
      ...(status === 'built' ? { built_at: new Date(row.build_ready_at).toISOString() } : {}),
      ...(deployed ? { deployed_version: toVersion(deployed, summary) } : {}),
    };
  }
}

// Auth0 builds asynchronously; the sandbox derives the state from the clock instead of a timer,
// so a restart mid-build loses nothing.
function actionStatus(row: ActionRow): ActionStatus {
  if (Date.now() < row.build_ready_at) return 'pending';
  return row.build_error ? 'failed' : 'built';
}

/** Compiles like Node's CommonJS wrapper would; a syntax error fails the build, as in Auth0. */
function buildError(code: string): string | null {
  try {
    compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname']);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function normalizeTriggers(triggers: readonly ActionTriggerRef[]): ActionTriggerRef[] {
  return triggers.map((ref) => {
    const known = findTrigger(ref.id);
    if (!known) throw badRequest(`Unsupported trigger: ${ref.id}`, 'invalid_trigger');
    if (ref.version !== undefined && ref.version !== known.version) {
      throw badRequest(`Trigger ${ref.id} version ${ref.version} is not available; use ${known.version}`, 'invalid_trigger');
    }
    return { id: ref.id, version: known.version };
  });
}

function toVersion(row: VersionRow, action: ActionSummary): ActionVersion {
  const secrets = parseDoc<Record<string, { updated_at: string }>>(row.secrets);
  return {
    id: row.id,
    action_id: row.action_id,
    number: row.number,
    code: row.code,
    runtime: row.runtime,
    dependencies: parseDoc<ActionDependency[]>(row.dependencies),
    secrets: Object.entries(secrets).map(([name, s]) => ({ name, updated_at: s.updated_at })),
    supported_triggers: parseDoc<ActionTriggerRef[]>(row.supported_triggers),
    deployed: row.deployed === 1,
    status: 'built',
    errors: [],
    built_at: row.created_at,
    created_at: row.created_at,
    updated_at: row.created_at,
    action: {
      id: action.id,
      name: action.name,
      supported_triggers: action.supported_triggers,
      all_changes_deployed: action.all_changes_deployed,
      created_at: action.created_at,
      updated_at: action.updated_at,
    },
  };
}
