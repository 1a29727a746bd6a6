/** JSON as Auth0 stores it (metadata, Management API bodies): the project's one JSON value type. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}
