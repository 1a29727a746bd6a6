import type { BuiltAction } from '../../bundle';
import type { Issue } from '../../issues';
import type { ProjectPaths } from '../../paths';
import type { YamlFile } from '../../yaml';
import type { EnvironmentFile, ResolvedEnvironment } from '../environments';
import type { TenantManifest } from '../manifest';

/** A file tenant.yaml loads (Action code, email body), with the text deploy-cli would read. */
export interface LoadedFile {
  /** Where tenant.yaml refers to it, e.g. `['actions', 1, 'code']`. */
  path: readonly (string | number)[];
  file: string;
  kind: 'action' | 'email';
  /** Undefined when the file is missing (or, for Action code, not a bundle of this build). */
  text: string | undefined;
}

export interface RuleContext {
  paths: ProjectPaths;
  /** tenant.yaml as written (keywords unresolved). */
  manifest: TenantManifest;
  /** tenant.yaml after keyword substitution for the chosen environment, if that is valid YAML. */
  resolved: { yaml: YamlFile; manifest: TenantManifest } | undefined;
  environment: ResolvedEnvironment;
  /** Every environment file, for checks across environments. */
  environments: readonly EnvironmentFile[];
  /** This build's Actions, by name. */
  built: ReadonlyMap<string, BuiltAction>;
  loaded: readonly LoadedFile[];
  /** Report secrets the chosen environment does not set (deploy); a build only needs them declared. */
  requireSecrets: boolean;
}

export type Rule = (ctx: RuleContext) => Issue[];
