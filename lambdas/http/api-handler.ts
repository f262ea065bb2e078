import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { type Principal, principalFromContext } from '../auth/principal.ts';
import { logger } from '../observability.ts';
import { clientErrorOf, errorBody, HttpError } from './errors.ts';

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export interface ApiRequest {
  method: string;
  path: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON body (`undefined` when there is none). */
  body: unknown;
  principal: Principal | undefined;
}

/** The principal of an authenticated route; the authorizer guarantees it is there. */
export function callerOf(request: ApiRequest): Principal {
  if (!request.principal)
    throw new HttpError(401, 'A valid "Authorization: ApiKey user:secret" header is required.');
  return request.principal;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function redirect(
  status: 301 | 302 | 303 | 307,
  location: string,
  headers: Record<string, string> = {},
) {
  return { statusCode: status, headers: { location, ...headers }, body: '' } satisfies ApiResult;
}

export function empty(status: number, headers: Record<string, string> = {}): ApiResult {
  return { statusCode: status, headers, body: '' };
}

export function errorResult(status: number, description: string): ApiResult {
  return json(status, errorBody(status, description));
}

function lowerCaseKeys(headers: Record<string, string | undefined> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}

function decodeValues(values: Record<string, string | undefined> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(values ?? {})) if (value !== undefined) result[name] = value;
  return result;
}

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;.*)?$/i;

/** A body without a Content-Type is read as JSON (Pacifica's `curl --upload-file` sends none). */
function parseBody(event: ApiEvent, headers: Record<string, string>): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const contentType = headers['content-type'];
  if (contentType && !JSON_TYPE.test(contentType)) {
    throw new HttpError(415, `Unsupported Content-Type "${contentType}": the API accepts application/json.`);
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

export function toApiRequest(event: ApiEvent): ApiRequest {
  const headers = lowerCaseKeys(event.headers);
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    pathParameters: decodeValues(event.pathParameters),
    query: decodeValues(event.queryStringParameters),
    headers,
    body: parseBody(event, headers),
    principal: principalFromContext(event.requestContext.authorizer?.lambda),
  };
}

/**
 * Wraps a route's domain call as a Lambda handler: request parsing, the one error shape, and no
 * stack trace ever in a response (unexpected errors are logged and answered with a plain 500).
 */
export function apiHandler(route: (request: ApiRequest) => Promise<ApiResult>) {
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      try {
        return await route(toApiRequest(event));
      } catch (error) {
        const clientError = clientErrorOf(error);
        if (clientError) return errorResult(clientError.status, clientError.description);
        logger.error('Unhandled error in API handler', { error: error as Error, routeKey: event.routeKey });
        return errorResult(500, 'The server could not complete the request. It has been logged.');
      }
    });
}
