import type { FastifyInstance } from 'fastify';
import type { TenantEndpoint } from '../auth';
import type { Store } from '../store';

/** What each route module needs: the store and where the tenant is served. */
export interface ApiContext {
  store: Store;
  endpoint: () => TenantEndpoint & { domain: string };
}

export type RouteModule = (app: FastifyInstance, context: ApiContext) => void;
