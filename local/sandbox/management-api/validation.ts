import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { ApiError } from '../errors';

// Fastify's "dataVar" names the request part; Auth0 prefixes its messages the same way.
const PARTS: Record<string, { prefix: string; errorCode: string }> = {
  body: { prefix: 'Payload validation error', errorCode: 'invalid_body' },
  querystring: { prefix: 'Query validation error', errorCode: 'invalid_query_string' },
  params: { prefix: 'Path validation error', errorCode: 'invalid_uri' },
  headers: { prefix: 'Headers validation error', errorCode: 'invalid_headers' },
};

/** Fastify schemaErrorFormatter: ajv's first error, worded and shaped like Auth0's 400s. */
export function formatValidationError(errors: FastifySchemaValidationError[], dataVar: string): ApiError {
  const part = PARTS[dataVar] ?? { prefix: 'Validation error', errorCode: 'invalid_request' };
  const [first] = errors;
  if (!first) return new ApiError(400, part.prefix, part.errorCode);
  const property = propertyPath(first.instancePath);
  const where = property ? ` on property ${property}` : '';
  return new ApiError(400, `${part.prefix}: '${describe(first)}'${where}.`, part.errorCode);
}

function describe(error: FastifySchemaValidationError): string {
  const params = error.params;
  const data: unknown = 'data' in error ? (error as { data: unknown }).data : undefined;
  switch (error.keyword) {
    case 'additionalProperties':
      return `Additional properties not allowed: ${String(params.additionalProperty)}`;
    case 'required':
      return `Missing required property: ${String(params.missingProperty)}`;
    case 'type':
      return `Expected type ${String(params.type)} but found type ${typeName(data)}`;
    case 'enum':
    case 'const':
      return `No enum match for: ${JSON.stringify(data)}`;
    case 'minLength':
      return `String is too short (${String(data).length} chars), minimum ${String(params.limit)}`;
    case 'maxLength':
      return `String is too long (${String(data).length} chars), maximum ${String(params.limit)}`;
    case 'minimum':
      return `Value ${String(data)} is less than minimum ${String(params.limit)}`;
    case 'maximum':
      return `Value ${String(data)} is greater than maximum ${String(params.limit)}`;
    case 'minItems':
      return `Array is too short (${Array.isArray(data) ? data.length : 0}), minimum ${String(params.limit)}`;
    case 'maxItems':
      return `Array is too long (${Array.isArray(data) ? data.length : 0}), maximum ${String(params.limit)}`;
    case 'maxProperties':
      return `Too many properties defined (${data && typeof data === 'object' ? Object.keys(data).length : 0}), maximum ${String(params.limit)}`;
    case 'pattern':
      return `String does not match pattern ${String(params.pattern)}: ${String(data)}`;
    case 'format':
      return `Object didn't pass validation for format ${String(params.format)}: ${String(data)}`;
    case 'anyOf':
    case 'oneOf':
      return `Data does not match any schemas from "${error.keyword}"`;
    default:
      return error.message ?? error.keyword;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** `/options/scopes/0/value` → `options.scopes[0].value`. */
function propertyPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment),
      '',
    );
}

interface QuerySchema {
  properties?: Record<string, { type?: string | string[] }>;
}

/**
 * preValidation hook: query strings arrive as text, so numbers, booleans and repeated keys are
 * converted per the route's querystring schema. Bodies are never coerced (ajv runs with
 * coerceTypes off), so `"true"` for a boolean in a payload is rejected, as Auth0 rejects it.
 */
export async function coerceQuery(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema?.querystring as QuerySchema | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  if (!schema?.properties || !query) return;
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = query[key];
    const types = Array.isArray(property.type) ? property.type : [property.type];
    if (typeof value !== 'string') continue;
    if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value))
      query[key] = Number(value);
    else if (types.includes('boolean') && (value === 'true' || value === 'false')) query[key] = value === 'true';
    else if (types.includes('array')) query[key] = [value];
  }
}
