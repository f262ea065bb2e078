import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { type Principal, principalFromContext } from '../auth/principal.ts';
import { logger } from '../observability.ts';
import { excerpt } from '../client-text.ts';
import { decodeContent } from './content-encoding.ts';
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
  /** Where the client reached the API (`https://{api host}`), for absolute `Location` headers. */
  baseUrl: string;
}

/** The principal of an authenticated route; the authorizer guarantees it is there. */
export function callerOf(request: ApiRequest): Principal {
  if (!request.principal)
    throw new HttpError(401, 'A valid "Authorization: ApiKey user:secret" header is required.');
  return request.principal;
}

/** A `Location` header naming `path` where the client reached the API (SPEC §5: absolute). */
export function locationOf(request: ApiRequest, path: string): Record<string, string> {
  return { location: `${request.baseUrl}${path}` };
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

const OCTET_STREAM = /^application\/octet-stream\s*(;.*)?$/i;
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;.*)?$/i;

/** A body without a Content-Type is read as JSON (Pacifica's `curl --upload-file` sends none). */
function parseBody(event: ApiEvent, headers: Record<string, string>): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const contentType = headers['content-type'];
  const compressed = headers['content-encoding'] !== undefined;
  // A compressed body may travel as octet-stream; what it decompresses to is JSON like any other.
  if (contentType && !JSON_TYPE.test(contentType) && !(compressed && OCTET_STREAM.test(contentType))) {
    throw new HttpError(
      415,
      `Unsupported Content-Type "${excerpt(contentType)}": the API accepts application/json.`,
    );
  }
  // JSON is UTF-8 (RFC 8259); a body declared in another charset would be read as something else.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new HttpError(415, `Unsupported charset "${excerpt(charset)}": JSON bodies are UTF-8.`);
  }
  const text = decodeContent(event.body, event.isBase64Encoded, headers['content-encoding']);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `The request body is not valid JSON: ${excerpt((error as Error).message, 200)}`);
  }
  if (holdsLoneSurrogate(body)) {
    throw new HttpError(
      400,
      'The request body is not valid JSON text: a string holds a lone UTF-16 surrogate such as "\\ud800".',
    );
  }
  return body;
}

// Without the u flag, a regular expression sees UTF-16 code units, so it can find an unpaired half.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * JSON may escape half a surrogate pair (`"\ud800"`), which is no Unicode text: it cannot be
 * encoded as UTF-8 (an S3 key, a DynamoDB string, a URL), so it is refused here, once, for every
 * route. Walked with a stack, not recursion, so a body nested 100,000 deep cannot overflow it.
 */
function holdsLoneSurrogate(body: unknown): boolean {
  const pending = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, item] of Object.entries(value)) {
        if (LONE_SURROGATE.test(name)) return true;
        pending.push(item);
      }
    }
  }
  return false;
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
    baseUrl: baseUrlOf(event, headers),
  };
}

/**
 * The API's own address, from what API Gateway reports (its domain name and the scheme it set in
 * X-Forwarded-Proto), never from the client's Host header.
 */
function baseUrlOf(event: ApiEvent, headers: Record<string, string>): string {
  const scheme = headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  return `${scheme}://${event.requestContext.domainName}`;
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
