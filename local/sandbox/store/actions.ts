import { compileFunction } from 'node:vm';
import type { Db } from './db';
import { newUuid, nowIso } from './ids';
import { parseDoc } from './json';
import { Repository } from './repository';
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

/** DELETE /actions/actions/{id}?force=true also deletes a bound action (and its bindings). */
export interface ActionDeleteOptions {
  force?: boolean;
}

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

type ActionInsert = Omit<ActionRow, 'all_changes_deployed'>;
type ActionChange = Omit<ActionRow, 'all_changes_deployed' | 'created_at'>;

export class ActionsRepo extends Repository<Action, ActionRow> {
  private readonly statements;

  constructor(
    db: Db,
    private readonly options: ActionsRepoOptions,
  ) {
    const actionColumns =
      'id, name, code, runtime, dependencies, supported_triggers, build_ready_at, build_error, all_changes_deployed, created_at, updated_at';
    const versionColumns =
      'id, action_id, number, code, runtime, dependencies, secrets, supported_triggers, deployed, created_at';
    super(db, {
      table: 'actions',
      key: 'id',
      columns: actionColumns,
      missing: { message: 'The action does not exist.', errorCode: 'inexistent_action' },
    });
    this.statements = {
      byName: db.prepare<{ name: string }, ActionRow>(`SELECT ${actionColumns} FROM actions WHERE name = @name`),
      insert: db.prepare<ActionInsert>(
        `INSERT INTO actions (id, name, code, runtime, dependencies, supported_triggers, build_ready_at, build_error,
           all_changes_deployed, created_at, updated_at)
         VALUES (@id, @name, @code, @runtime, @dependencies, @supported_triggers, @build_ready_at, @build_error, 0, @created_at, @updated_at)`,
      ),
      update: db.prepare<ActionChange>(
        `UPDATE actions SET name = @name, code = @code, runtime = @runtime, dependencies = @dependencies,
           supported_triggers = @supported_triggers, build_ready_at = @build_ready_at, build_error = @build_error,
           all_changes_deployed = 0, updated_at = @updated_at WHERE id = @id`,
      ),
      markDeployed: db.prepare<{ actionId: string; now: string }>(
        'UPDATE actions SET all_changes_deployed = 1, updated_at = @now WHERE id = @actionId',
      ),
      secrets: db.prepare<{ actionId: string }, SecretRow>(
        'SELECT name, value, updated_at FROM action_secrets WHERE action_id = @actionId ORDER BY name',
      ),
      deleteSecrets: db.prepare<{ actionId: string }>('DELETE FROM action_secrets WHERE action_id = @actionId'),
      insertSecret: db.prepare<SecretRow & { actionId: string }>(
        'INSERT INTO action_secrets (action_id, name, value, updated_at) VALUES (@actionId, @name, @value, @updated_at)',
      ),
      versions: db.prepare<{ actionId: string }, VersionRow>(
        `SELECT ${versionColumns} FROM action_versions WHERE action_id = @actionId ORDER BY number DESC`,
      ),
      version: db.prepare<{ actionId: string; versionId: string }, VersionRow>(
        `SELECT ${versionColumns} FROM action_versions WHERE action_id = @actionId AND id = @versionId`,
      ),
      deployedVersion: db.prepare<{ actionId: string }, VersionRow>(
        `SELECT ${versionColumns} FROM action_versions WHERE action_id = @actionId AND deployed = 1`,
      ),
      latestVersionNumber: db.prepare<{ actionId: string }, { latest: number | null }>(
        'SELECT max(number) AS latest FROM action_versions WHERE action_id = @actionId',
      ),
      undeployAll: db.prepare<{ actionId: string }>(
        'UPDATE action_versions SET deployed = 0 WHERE action_id = @actionId',
      ),
      insertVersion: db.prepare<Omit<VersionRow, 'deployed'>>(
        `INSERT INTO action_versions (id, action_id, number, code, runtime, dependencies, secrets, supported_triggers, deployed, created_at)
           VALUES (@id, @action_id, @number, @code, @runtime, @dependencies, @secrets, @supported_triggers, 1, @created_at)`,
      ),
      pruneVersions: db.prepare<{ actionId: string; oldestKept: number }>(
        'DELETE FROM action_versions WHERE action_id = @actionId AND number < @oldestKept',
      ),
      bindings: db.prepare<{ triggerId: string }, BindingRow>(
        `SELECT id, trigger_id, action_id, display_name, created_at, updated_at FROM trigger_bindings
           WHERE trigger_id = @triggerId ORDER BY position`,
      ),
      bindingCount: db.prepare<{ actionId: string }, { count: number }>(
        'SELECT count(*) AS count FROM trigger_bindings WHERE action_id = @actionId',
      ),
      deleteBindings: db.prepare<{ triggerId: string }>('DELETE FROM trigger_bindings WHERE trigger_id = @triggerId'),
      insertBinding: db.prepare<BindingRow & { position: number }>(
        `INSERT INTO trigger_bindings (id, trigger_id, position, action_id, display_name, created_at, updated_at)
           VALUES (@id, @trigger_id, @position, @action_id, @display_name, @created_at, @updated_at)`,
      ),
    };
  }

  list(): Action[] {
    return this.allRows().map((row) => this.toItem(row));
  }

  getByName(name: string): Action | undefined {
    const row = this.statements.byName.get({ name });
    return row ? this.toItem(row) : undefined;
  }

  create(input: ActionCreate): Action {
    if (input.deploy) {
      throw badRequest('The sandbox does not deploy on create: call POST /actions/actions/{id}/deploy once built');
    }
    return this.db.transaction(() => {
      if (this.statements.byName.get({ name: input.name }))
        throw conflict(`An action with the name '${input.name}' already exists.`, 'action_conflict');
      const id = newUuid();
      const now = nowIso();
      const code = input.code ?? '';
      this.statements.insert.run({
        id,
        name: input.name,
        code,
        runtime: input.runtime ?? DEFAULT_RUNTIME,
        dependencies: JSON.stringify(input.dependencies ?? []),
        supported_triggers: JSON.stringify(normalizeTriggers(input.supported_triggers)),
        build_ready_at: Date.now() + this.options.buildDelayMs,
        build_error: buildError(code),
        created_at: now,
        updated_at: now,
      });
      this.replaceSecrets(id, input.secrets ?? [], now);
      return this.require(id);
    })();
  }

  /** Any change makes a new draft that must be built (and deployed) again, as in Auth0. */
  update(id: string, patch: ActionUpdate): Action {
    return this.db.transaction(() => {
      const row = this.rowByKey(id);
      if (!row) throw this.missingError();
      if (patch.name !== undefined && patch.name !== row.name && this.statements.byName.get({ name: patch.name })) {
        throw conflict(`An action with the name '${patch.name}' already exists.`, 'action_conflict');
      }
      const now = nowIso();
      const code = patch.code ?? row.code;
      this.statements.update.run({
        id,
        name: patch.name ?? row.name,
        code,
        runtime: patch.runtime ?? row.runtime,
        dependencies: patch.dependencies ? JSON.stringify(patch.dependencies) : row.dependencies,
        supported_triggers: patch.supported_triggers
          ? JSON.stringify(normalizeTriggers(patch.supported_triggers))
          : row.supported_triggers,
        build_ready_at: Date.now() + this.options.buildDelayMs,
        build_error: buildError(code),
        updated_at: now,
      });
      if (patch.secrets) this.replaceSecrets(id, patch.secrets, now);
      return this.require(id);
    })();
  }

  delete(id: string, { force = false }: ActionDeleteOptions = {}): void {
    this.db.transaction(() => {
      this.require(id);
      if (!force && (this.statements.bindingCount.get({ actionId: id })?.count ?? 0) > 0) {
        throw badRequest(
          'The action is bound to a trigger; unbind it first or delete with force=true.',
          'action_bound',
        );
      }
      this.removeRow(id);
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
      const row = this.rowByKey(id) as ActionRow;
      const number = (this.statements.latestVersionNumber.get({ actionId: id })?.latest ?? 0) + 1;
      const versionId = newUuid();
      const now = nowIso();
      const secrets = Object.fromEntries(
        this.statements.secrets
          .all({ actionId: id })
          .map((secret) => [secret.name, { value: secret.value, updated_at: secret.updated_at }]),
      );
      this.statements.undeployAll.run({ actionId: id });
      this.statements.insertVersion.run({
        id: versionId,
        action_id: id,
        number,
        code: row.code,
        runtime: row.runtime,
        dependencies: row.dependencies,
        secrets: JSON.stringify(secrets),
        supported_triggers: row.supported_triggers,
        created_at: now,
      });
      this.statements.pruneVersions.run({ actionId: id, oldestKept: number - MAX_ACTION_VERSIONS + 1 });
      this.statements.markDeployed.run({ actionId: id, now });
      return this.requireVersion(id, versionId);
    })();
  }

  versions(actionId: string): ActionVersion[] {
    const action = this.require(actionId);
    return this.statements.versions.all({ actionId }).map((row) => toVersion(row, action));
  }

  requireVersion(actionId: string, versionId: string): ActionVersion {
    const action = this.require(actionId);
    const row = this.statements.version.get({ actionId, versionId });
    if (!row) throw notFound('The action version does not exist.', 'inexistent_action_version');
    return toVersion(row, action);
  }

  bindings(triggerId: string): TriggerBinding[] {
    return this.statements.bindings.all({ triggerId }).map((row) => ({
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
      this.statements.deleteBindings.run({ triggerId });
      const now = nowIso();
      actions.forEach((action, position) => {
        this.statements.insertBinding.run({
          id: newUuid(),
          trigger_id: triggerId,
          position,
          action_id: action.id,
          display_name: refs[position]?.display_name ?? action.name,
          created_at: now,
          updated_at: now,
        });
      });
      return this.bindings(triggerId);
    })();
  }

  /** The login runtime's view: bound actions in execution order, as deployed (code + secret values). */
  deployedBindings(triggerId: string): DeployedBinding[] {
    return this.statements.bindings.all({ triggerId }).map((binding) => {
      const row = this.rowByKey(binding.action_id) as ActionRow;
      const version = this.statements.deployedVersion.get({ actionId: binding.action_id });
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
    if (!action.supported_triggers.some((trigger) => trigger.id === triggerId)) {
      throw badRequest(`Action '${action.name}' does not support the trigger '${triggerId}'.`, 'invalid_binding');
    }
    if (!action.deployed_version) {
      throw badRequest(`Action '${action.name}' must be deployed before it can be bound.`, 'action_not_deployed');
    }
    return action;
  }

  private replaceSecrets(actionId: string, secrets: readonly ActionSecretInput[], now: string): void {
    const current = new Map(this.statements.secrets.all({ actionId }).map((secret) => [secret.name, secret]));
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
      return {
        name: secret.name,
        value: secret.value,
        updated_at: unchanged ? (current.get(secret.name)?.updated_at ?? now) : now,
      };
    });
    this.statements.deleteSecrets.run({ actionId });
    for (const secret of next) this.statements.insertSecret.run({ actionId, ...secret });
  }

  protected toItem(row: ActionRow): Action {
    const status = actionStatus(row);
    const deployed = this.statements.deployedVersion.get({ actionId: row.id });
    const summary = summaryOf({
      ...row,
      supported_triggers: parseDoc<ActionTriggerRef[]>(row.supported_triggers),
      all_changes_deployed: row.all_changes_deployed === 1,
    });
    return {
      ...summary,
      code: row.code,
      runtime: row.runtime,
      dependencies: parseDoc<ActionDependency[]>(row.dependencies),
      secrets: this.statements.secrets.all({ actionId: row.id }).map(({ name, updated_at }) => ({ name, updated_at })),
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
      throw badRequest(
        `Trigger ${ref.id} version ${ref.version} is not available; use ${known.version}`,
        'invalid_trigger',
      );
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
    secrets: Object.entries(secrets).map(([name, secret]) => ({ name, updated_at: secret.updated_at })),
    supported_triggers: parseDoc<ActionTriggerRef[]>(row.supported_triggers),
    deployed: row.deployed === 1,
    status: 'built',
    errors: [],
    built_at: row.created_at,
    created_at: row.created_at,
    updated_at: row.created_at,
    action: summaryOf(action),
  };
}

/** The summary a version carries of its action: these fields only, never code or secrets. */
function summaryOf(action: ActionSummary): ActionSummary {
  const {
    id,
    name,
    supported_triggers: supportedTriggers,
    all_changes_deployed: allChangesDeployed,
    created_at: createdAt,
    updated_at: updatedAt,
  } = action;
  return {
    id,
    name,
    supported_triggers: supportedTriggers,
    all_changes_deployed: allChangesDeployed,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}
