/** The local post-login runtime: what Auth0 does with an Action, reproduced for tests and the sandbox. */
export { buildEvent, type DeepPartial, type Flow, type Scenario, type UserKind } from './event-factory';
export {
  loadAction,
  loadActionFile,
  ActionLoadError,
  type Dependency,
  type LoadedAction,
  type LoadOptions,
} from './loader';
export { runLogin, type ContinueRequest, type FormResult, type LoginOptions, type LoginResult } from './pipeline';
export { CacheStore, createCacheStore } from './cache';
export { signSessionToken } from './session-token';
export {
  LIMITS,
  RESERVED_APP_METADATA_NAMES,
  RESTRICTED_CLAIMS,
  NON_INTERACTIVE_PROTOCOLS,
} from '../../actions/platform/limits';
export type { Denial, Effects, MetadataWrites } from './api';
