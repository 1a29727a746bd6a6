import type { ApiContext, RouteModule } from './context';
import { fieldsQuery, selectFields, type FieldsQuery } from './query';
import { string, strictObject } from './schema';

export const registerUsersByEmail: RouteModule = (app, { store }: ApiContext) => {
  app.get<{ Querystring: FieldsQuery & { email: string } }>(
    '/users-by-email',
    {
      schema: { querystring: strictObject({ ...fieldsQuery, email: string({ minLength: 1 }) }, ['email']) },
      config: { scopes: ['read:users'] },
    },
    async (request) => store.users.findByEmail(request.query.email).map((user) => selectFields(user, request.query)),
  );
};
