/** The tenant as code: typed manifest, environments and keyword resolution, offline validation. */
export { checkTenant, type CheckOptions, type CheckResult } from './validate';
export {
  listEnvironments,
  loadEnvironmentFile,
  resolveEnvironment,
  type EnvVars,
  type MissingSecret,
  type ResolvedEnvironment,
} from './environments';
export { findKeywords, keywordText, replaceKeywords, type KeywordMappings, type KeywordValue } from './keywords';
export { loadTenantManifest, parseManifest, type TenantManifest } from './manifest';
