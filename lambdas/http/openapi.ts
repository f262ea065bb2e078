import { z } from 'zod';
import { type Answer, operations } from './api-contract.ts';
import { errorSchema } from './errors.ts';
import { type Route, routeKey, routes } from './routes.ts';

/**
 * The OpenAPI 3.1 document of the API, generated from the route table and the zod schemas the
 * handlers validate with (api-contract.ts). Served at `GET /openapi.json`; docs/openapi.json is a
 * copy (`npm run openapi` writes it, a test keeps it current).
 */
type Json = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';
const target = 'draft-2020-12' as const;

/** Every schema with an id, in JSON Schema 2020-12 (OpenAPI 3.1's dialect), referring to each other. */
function components(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target,
    uri: (id) => `${COMPONENTS}${id}`,
    unrepresentable: 'any',
  });
  const result: Record<string, Json> = {};
  for (const id of Object.keys(schemas).sort()) {
    const { $schema: _schema, $id: _id, ...schema } = schemas[id] as Json;
    result[id] = schema;
  }
  return result;
}

/** A named schema by reference; anything else inline (request bodies: as clients send them). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: `${COMPONENTS}${id}` };
  const { $schema: _schema, ...inline } = z.toJSONSchema(schema, {
    target,
    io,
    unrepresentable: 'any',
  }) as Json;
  return inline;
}

const oneOrMany = (body: z.ZodType | z.ZodType[], io: 'input' | 'output') =>
  Array.isArray(body) ? { anyOf: body.map((schema) => schemaOf(schema, io)) } : schemaOf(body, io);

const jsonContent = (schema: Json) => ({ content: { 'application/json': { schema } } });

function response(answer: Answer): Json {
  return {
    description: answer.description,
    ...(answer.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(answer.headers).map(([name, description]) => [
              name,
              { description, schema: { type: 'string' } },
            ]),
          ),
        }
      : {}),
    ...(answer.body ? jsonContent(oneOrMany(answer.body, 'output')) : {}),
  };
}

/** `{proxy+}` (API Gateway's greedy parameter) is `{proxy}` in OpenAPI: it may hold slashes. */
const openApiPath = (path: string) => path.replace(/\{(\w+)\+\}/g, '{$1}');

function operationOf(route: Route): Json {
  const key = routeKey(route);
  const operation = operations[key];
  if (!operation) throw new Error(`api-contract.ts has no entry for ${key}`);
  const pathParameters = [...route.path.matchAll(/\{(\w+)\+?\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(match[0].endsWith('+}') ? { description: 'May contain slashes, raw or URL-encoded.' } : {}),
  }));
  const queryParameters = Object.entries(operation.query?.shape ?? {}).map(([name, field]) => {
    const schema = schemaOf(field as z.ZodType, 'input');
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      schema: rest,
      ...(description ? { description } : {}),
    };
  });
  const errors = {
    ...(route.role
      ? {
          401: response({ description: 'No valid `Authorization: ApiKey user:secret`', body: errorSchema }),
          403: response({ description: `The key lacks the \`${route.role}\` role`, body: errorSchema }),
        }
      : {}),
  };
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_all, next: string | undefined) => (next ?? '').toUpperCase())}`,
    summary: operation.summary,
    ...(route.role ? { 'x-bagvault-role': route.role } : {}),
    security: route.role ? [{ ApiKey: [] }] : [],
    ...(pathParameters.length + queryParameters.length > 0
      ? { parameters: [...pathParameters, ...queryParameters] }
      : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: route.method !== 'POST' || !key.startsWith('POST /bags'),
            ...jsonContent(oneOrMany(operation.body, 'input')),
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(operation.responses).map(([status, answer]) => [status, response(answer)]),
      ),
      ...errors,
      default: {
        description: 'An error, in the one error shape (400, 404, 405 with Allow, 413, 415…)',
        ...jsonContent({ $ref: `${COMPONENTS}Error` }),
      },
    },
  };
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bagvault',
      version: '0.1.0',
      description:
        'Preservation storage for BagIt bags. The contract is docs/SPEC.md; errors always use the Error shape. ' +
        'Redirects point at presigned S3 URLs: follow them without re-sending Authorization.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        ApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: '`ApiKey {user}:{secret}`',
        },
      },
    },
  };
}
