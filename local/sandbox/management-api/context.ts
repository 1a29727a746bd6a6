import type { FastifyInstance } from 'fastify';
import type { TenantEndpoint } from '../auth';
import type { OidcStore } from '../oidc/store';
import type { Store } from '../store';

/** What each route module needs: the store, the OIDC provider's state and where the tenant is served. */
export interface ApiContext {
  store: Store;
  /** Sessions, refresh tokens and grants that logins leave behind. */
  oidc: OidcStore;
  endpoint: () => TenantEndpoint & { domain: string };
}

export type RouteModule = (app: FastifyInstance, context: ApiContext) => void;
