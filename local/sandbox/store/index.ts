import { openDatabase, type Db } from './db';
import { ActionsRepo } from './actions';
import { ClientGrantsRepo } from './client-grants';
import { ClientsRepo } from './clients';
import { ConnectionsRepo } from './connections';
import { EmailTemplatesRepo } from './email-templates';
import { LogsRepo } from './logs';
import { ResourceServersRepo } from './resource-servers';
import { TenantRepo } from './tenant';
import { TicketsRepo } from './tickets';
import { UsersRepo } from './users';

export interface StoreOptions {
  /** The tenant name clients report (`tenant` field). */
  tenantName: string;
  /** See ActionsRepoOptions.buildDelayMs. */
  actionBuildDelayMs: number;
}

/** The sandbox tenant's state: one SQLite database, one typed repository per resource. */
export interface Store {
  readonly db: Db;
  readonly tenant: TenantRepo;
  readonly clients: ClientsRepo;
  readonly resourceServers: ResourceServersRepo;
  readonly clientGrants: ClientGrantsRepo;
  readonly connections: ConnectionsRepo;
  readonly emailTemplates: EmailTemplatesRepo;
  readonly actions: ActionsRepo;
  readonly users: UsersRepo;
  readonly tickets: TicketsRepo;
  readonly logs: LogsRepo;
  close(): void;
}

export function openStore(file: string, options: StoreOptions): Store {
  const db = openDatabase(file);
  const clients = new ClientsRepo(db, options.tenantName);
  const resourceServers = new ResourceServersRepo(db);
  const connections = new ConnectionsRepo(db);
  return {
    db,
    tenant: new TenantRepo(db),
    clients,
    resourceServers,
    clientGrants: new ClientGrantsRepo(db, clients, resourceServers),
    connections,
    emailTemplates: new EmailTemplatesRepo(db),
    actions: new ActionsRepo(db, { buildDelayMs: options.actionBuildDelayMs }),
    users: new UsersRepo(db, connections),
    tickets: new TicketsRepo(db),
    logs: new LogsRepo(db, clients, connections),
    close: () => db.close(),
  };
}

export {
  MAX_ACTION_VERSIONS,
  type Action,
  type ActionVersion,
  type DeployedBinding,
  type TriggerBinding,
} from './actions';
export type { Client } from './clients';
export type { ClientGrant } from './client-grants';
export type { Connection } from './connections';
export type { EmailTemplate } from './email-templates';
export type { ResourceServer } from './resource-servers';
export type { TenantSettings, EmailProvider } from './tenant';
export type { Ticket, Job } from './tickets';
export type { LogEvent, LogInput, LogType } from './logs';
export type { User, UserIdentity, SeedUser, IdentityProfile, UserBlock } from './users';
export type { JsonObject, JsonValue } from './json';
