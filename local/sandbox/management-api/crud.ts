import type { FastifyInstance, FastifyRequest } from 'fastify';
import { idParams, type JsonSchema } from './schema';

/** What a resource's repository offers the five CRUD routes. */
export interface CrudRepository<Item, Create, Update, DeleteQuery> {
  require(id: string): Item;
  create(input: Create): Item;
  update(id: string, patch: Update): Item;
  /** `query`: DELETE's validated query string, for resources whose delete takes options (actions: force). */
  delete(id: string, query: DeleteQuery): void;
}

interface IdParams {
  id: string;
}

/**
 * One Management API resource type served as `GET/POST <path>` and `GET/PATCH/DELETE <path>/{id}`.
 * The module configures what differs (schemas, scopes, listing, how an item is shown); the routes'
 * shape, status codes and scope checks are the same for every resource.
 */
export interface CrudResource<Item, Create, Update, ListQuery, ReadQuery, DeleteQuery = unknown> {
  path: string;
  repository: CrudRepository<Item, Create, Update, DeleteQuery>;
  /** "Any of" these scopes, per operation, as Auth0 lists them. */
  scopes: { read: readonly string[]; create: readonly string[]; update: readonly string[]; delete: readonly string[] };
  schemas: {
    listQuery: JsonSchema;
    readQuery?: JsonSchema;
    createBody: JsonSchema;
    updateBody: JsonSchema;
    deleteQuery?: JsonSchema;
  };
  list(query: ListQuery, request: FastifyRequest): unknown;
  /** How GET <path>/{id} shows an item (e.g. `fields`, hidden secrets); default: as stored. */
  show?(item: Item, query: ReadQuery, request: FastifyRequest): unknown;
  /** Auth0 deletes some resources asynchronously (connections: 202). Default 204. */
  deleteStatus?: 202 | 204;
}

export function registerCrud<Item, Create, Update, ListQuery, ReadQuery, DeleteQuery = unknown>(
  app: FastifyInstance,
  resource: CrudResource<Item, Create, Update, ListQuery, ReadQuery, DeleteQuery>,
): void {
  const { path, repository, scopes, schemas } = resource;
  const itemPath = `${path}/:id`;
  // Fastify cannot map route generics over this function's type parameters; the schemas below
  // have validated each part before a handler runs, which is what these types state.
  const listQuery = (request: FastifyRequest): ListQuery => request.query as ListQuery;
  const readQuery = (request: FastifyRequest): ReadQuery => request.query as ReadQuery;
  const deleteQuery = (request: FastifyRequest): DeleteQuery => request.query as DeleteQuery;

  app.get(
    path,
    {
      schema: { querystring: schemas.listQuery },
      config: { scopes: scopes.read },
    },
    async (request) => resource.list(listQuery(request), request),
  );

  app.get<{ Params: IdParams }>(
    itemPath,
    {
      schema: { params: idParams(), ...(schemas.readQuery ? { querystring: schemas.readQuery } : {}) },
      config: { scopes: scopes.read },
    },
    async (request) => {
      const item = repository.require(request.params.id);
      return resource.show ? resource.show(item, readQuery(request), request) : item;
    },
  );

  app.post(
    path,
    {
      schema: { body: schemas.createBody },
      config: { scopes: scopes.create },
    },
    async (request, reply) => reply.code(201).send(repository.create(request.body as Create)),
  );

  app.patch<{ Params: IdParams }>(
    itemPath,
    {
      schema: { params: idParams(), body: schemas.updateBody },
      config: { scopes: scopes.update },
    },
    async (request) => repository.update(request.params.id, request.body as Update),
  );

  app.delete<{ Params: IdParams }>(
    itemPath,
    {
      schema: { params: idParams(), ...(schemas.deleteQuery ? { querystring: schemas.deleteQuery } : {}) },
      config: { scopes: scopes.delete },
    },
    async (request, reply) => {
      repository.delete(request.params.id, deleteQuery(request));
      return reply.code(resource.deleteStatus ?? 204).send();
    },
  );
}
