import { CacheStore, loadAction, type LoadedAction } from '../../runtime';
import type { Store } from '../store';

export interface PostLoginPipeline {
  /** The bound Actions in execution order, as deployed. */
  actions: LoadedAction[];
  /** api.cache of the trigger, kept while the same versions stay deployed. */
  cache: CacheStore;
}

/**
 * The post-login Actions as deployed in the sandbox, loaded the way a warm Auth0 instance keeps
 * them: each deployed version is loaded once (its module-level code runs once and is reused by
 * later logins) and replaced as soon as another version is deployed or bound. api.cache lives as
 * long as the set of deployed versions: a deploy starts new instances with an empty cache.
 */
export class DeployedActions {
  private readonly loaded = new Map<string, LoadedAction>();
  private cache: { key: string; store: CacheStore } | undefined;

  constructor(
    private readonly store: Store,
    private readonly fetch: typeof globalThis.fetch,
    private readonly now: () => number,
  ) {}

  /** Throws ActionLoadError when a deployed Action cannot be loaded (the login then fails). */
  current(): PostLoginPipeline {
    const bindings = this.store.actions.deployedBindings('post-login');
    const actions = bindings.map((binding) => {
      let action = this.loaded.get(binding.versionId);
      if (!action) {
        action = loadAction({
          name: binding.name,
          code: binding.code,
          secrets: binding.secrets,
          dependencies: binding.dependencies.map(({ name, version }) => ({ name, version })),
          fetch: this.fetch,
        });
        this.loaded.set(binding.versionId, action);
      }
      return action;
    });
    const live = new Set(bindings.map((binding) => binding.versionId));
    for (const versionId of this.loaded.keys()) if (!live.has(versionId)) this.loaded.delete(versionId);

    const key = bindings.map((binding) => binding.versionId).join(',');
    if (this.cache?.key !== key) this.cache = { key, store: new CacheStore(this.now) };
    return { actions, cache: this.cache.store };
  }
}
