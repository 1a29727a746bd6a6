import { IssueError, type FieldPath } from '../issues';
import { loadYaml, type YamlFile } from '../yaml';
import { ShapeReader } from './reader';

/**
 * The typed view of tenant.yaml (auth0-deploy-cli's YAML format) that the validation rules need.
 * Only the fields the rules read are typed; deploy-cli and Auth0 own the meaning of the rest.
 * Every item keeps its `path` so a rule can point at the exact line.
 */

export interface Dependency {
  name: string;
  version: string;
}

export interface ActionSpec {
  path: FieldPath;
  name: string;
  /** As written: relative to tenant.yaml's folder. */
  code: string;
  runtime: unknown;
  deployed: unknown;
  dependencies: Dependency[];
  secrets: { name: string; value: unknown; path: FieldPath }[];
  supportedTriggers: { id: string; version: unknown }[];
}

export interface ClientSpec {
  path: FieldPath;
  name: string;
  metadata: Record<string, unknown> | undefined;
}

export interface ConnectionSpec {
  path: FieldPath;
  name: string;
  enabledClients: { name: string; path: FieldPath }[];
}

export interface GrantSpec {
  path: FieldPath;
  clientName: string;
  audience: string;
}

export interface EmailTemplateSpec {
  path: FieldPath;
  template: string;
  body: string;
}

export interface BindingSpec {
  path: FieldPath;
  trigger: string;
  actionName: string;
}

export interface TenantManifest {
  yaml: YamlFile;
  /** Top-level resource types present. */
  sections: string[];
  clients: ClientSpec[];
  /** `databases` and (social) `connections` alike: both name the clients they are enabled for. */
  connections: ConnectionSpec[];
  clientGrants: GrantSpec[];
  resourceServers: { path: FieldPath; name: string; identifier: string }[];
  emailTemplates: EmailTemplateSpec[];
  actions: ActionSpec[];
  bindings: BindingSpec[];
}

/**
 * Resource types the validator understands. Another type could load files or reference clients
 * unchecked, so it is refused until the rules cover it.
 */
export const KNOWN_SECTIONS = [
  'tenant',
  'clients',
  'databases',
  'connections',
  'clientGrants',
  'resourceServers',
  'emailProvider',
  'emailTemplates',
  'attackProtection',
  'actions',
  'triggers',
] as const;

export function loadTenantManifest(file: string): TenantManifest {
  return parseManifest(loadYaml(file));
}

/** Checks the shape of the fields the rules read; every bad field is reported at once. */
export function parseManifest(yaml: YamlFile): TenantManifest {
  const r = new ShapeReader(yaml);
  const root = r.record(yaml.value ?? {}, []) ?? {};
  for (const key of Object.keys(root)) {
    if (!(KNOWN_SECTIONS as readonly string[]).includes(key)) {
      r.issue(
        [key],
        `resource type "${key}" is not covered by validation`,
        `remove it, or extend tooling/tenant (known: ${KNOWN_SECTIONS.join(', ')})`,
      );
    }
  }

  const clients = r.items(root.clients, ['clients'], (item, path): ClientSpec | undefined => {
    const name = r.string(item.name, [...path, 'name']);
    const metadata =
      item.client_metadata === undefined ? undefined : r.record(item.client_metadata, [...path, 'client_metadata']);
    return name === undefined ? undefined : { path, name, metadata };
  });

  const connection = (item: Record<string, unknown>, path: FieldPath): ConnectionSpec | undefined => {
    const name = r.string(item.name, [...path, 'name']);
    const enabled =
      item.enabled_clients === undefined ? [] : (r.list(item.enabled_clients, [...path, 'enabled_clients']) ?? []);
    const enabledClients = enabled.flatMap((client, i) => {
      const clientPath = [...path, 'enabled_clients', i];
      const clientName = r.string(client, clientPath);
      return clientName === undefined ? [] : [{ name: clientName, path: clientPath }];
    });
    return name === undefined ? undefined : { path, name, enabledClients };
  };
  const connections = [
    ...r.items(root.databases, ['databases'], connection),
    ...r.items(root.connections, ['connections'], connection),
  ];

  const clientGrants = r.items(root.clientGrants, ['clientGrants'], (item, path): GrantSpec | undefined => {
    const clientName = r.string(item.client_id, [...path, 'client_id']);
    const audience = r.string(item.audience, [...path, 'audience']);
    return clientName === undefined || audience === undefined ? undefined : { path, clientName, audience };
  });

  const resourceServers = r.items(root.resourceServers, ['resourceServers'], (item, path) => {
    const name = r.string(item.name, [...path, 'name']);
    const identifier = r.string(item.identifier, [...path, 'identifier']);
    r.items(item.scopes, [...path, 'scopes'], (scope, scopePath) => {
      if (typeof scope.value === 'string' && scope.value !== '') return scope.value;
      r.issue(
        scopePath,
        "a scope needs a `value` (the Management API refuses `name`, which deploy-cli's schema suggests)",
        "write {value: 'read:thing', description: ...}",
      );
      return undefined;
    });
    return name === undefined || identifier === undefined ? undefined : { path, name, identifier };
  });

  const emailTemplates = r.items(
    root.emailTemplates,
    ['emailTemplates'],
    (item, path): EmailTemplateSpec | undefined => {
      const template = r.string(item.template, [...path, 'template']);
      const body = r.string(item.body, [...path, 'body']);
      return template === undefined || body === undefined ? undefined : { path, template, body };
    },
  );

  const actions = r.items(root.actions, ['actions'], (item, path): ActionSpec | undefined => {
    const name = r.string(item.name, [...path, 'name']);
    const code = r.string(item.code, [...path, 'code']);
    const dependencies = r.items(item.dependencies, [...path, 'dependencies'], (dep, depPath) => {
      const depName = r.string(dep.name, [...depPath, 'name']);
      const version = r.string(dep.version, [...depPath, 'version']);
      return depName === undefined || version === undefined ? undefined : { name: depName, version };
    });
    const secrets = r.items(item.secrets, [...path, 'secrets'], (secret, secretPath) => {
      const secretName = r.string(secret.name, [...secretPath, 'name']);
      return secretName === undefined ? undefined : { name: secretName, value: secret.value, path: secretPath };
    });
    const supportedTriggers = r.items(
      item.supported_triggers,
      [...path, 'supported_triggers'],
      (trigger, triggerPath) => {
        const id = r.string(trigger.id, [...triggerPath, 'id']);
        return id === undefined ? undefined : { id, version: trigger.version };
      },
    );
    if (name === undefined || code === undefined) return undefined;
    return {
      path,
      name,
      code,
      runtime: item.runtime,
      deployed: item.deployed,
      dependencies,
      secrets,
      supportedTriggers,
    };
  });

  const triggers = root.triggers === undefined ? {} : (r.record(root.triggers, ['triggers']) ?? {});
  const bindings = Object.entries(triggers).flatMap(([trigger, list]) =>
    r.items(list, ['triggers', trigger], (binding, path): BindingSpec | undefined => {
      const actionName = r.string(binding.action_name, [...path, 'action_name']);
      return actionName === undefined ? undefined : { path, trigger, actionName };
    }),
  );

  if (r.issues.length > 0) throw new IssueError(r.issues);
  return {
    yaml,
    sections: Object.keys(root),
    clients,
    connections,
    clientGrants,
    resourceServers,
    emailTemplates,
    actions,
    bindings,
  };
}
