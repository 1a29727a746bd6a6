/** Small builders for the JSON schemas Fastify validates payloads and query strings with. */
export type JsonSchema = Record<string, unknown>;

export const string = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
export const integer = (extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...extra });
export const number = (extra: JsonSchema = {}): JsonSchema => ({ type: 'number', ...extra });
export const boolean: JsonSchema = { type: 'boolean' };
export const anyObject: JsonSchema = { type: 'object' };
export const stringArray = (extra: JsonSchema = {}): JsonSchema => ({
  type: 'array',
  items: { type: 'string' },
  ...extra,
});
export const arrayOf = (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...extra });
/** One of `values`: a list, or one of the `auth0` SDK's enums (`Management.XxxEnum`), Auth0's own list. */
export const stringEnum = (values: readonly string[] | Readonly<Record<string, string>>): JsonSchema => ({
  type: 'string',
  enum: isList(values) ? [...values] : Object.values(values),
});

function isList(values: readonly string[] | Readonly<Record<string, string>>): values is readonly string[] {
  return Array.isArray(values);
}

/** Unknown properties are rejected, like Auth0's "Additional properties not allowed". */
export function strictObject(properties: Record<string, JsonSchema>, required: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length ? { required: [...required] } : {}),
  };
}

/** Also accepts `null` (used by PATCH payloads to unset a field). */
export function nullable(schema: JsonSchema): JsonSchema {
  const { type, enum: values } = schema;
  const types: unknown[] = Array.isArray(type) ? type : [type];
  return {
    ...schema,
    type: [...types, 'null'],
    ...(Array.isArray(values) ? { enum: [...(values as unknown[]), null] } : {}),
  };
}

/** Every property of a create schema made optional and nullable, minus the immutable ones. */
export function updateSchema(
  create: Record<string, JsonSchema>,
  options: { immutable?: readonly string[]; notNullable?: readonly string[] } = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, schema] of Object.entries(create)) {
    if (options.immutable?.includes(key)) continue;
    properties[key] = options.notNullable?.includes(key) ? schema : nullable(schema);
  }
  return strictObject(properties);
}

export const idParams = (name = 'id'): JsonSchema => strictObject({ [name]: string({ minLength: 1 }) }, [name]);
