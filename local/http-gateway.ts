import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, UNAUTHORIZED } from '../lambdas/http/errors.ts';
import { excerpt } from '../lambdas/client-text.ts';
import { type Route, routeKey, routes } from '../lambdas/http/routes.ts';
import { handlerPath, lambdaContext, loadHandler } from './handler-modules.ts';
import { close, listen } from './listen.ts';

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  parameters: string[];
  /** API Gateway prefers the most specific route: literal segments beat parameters beat greedy ones. */
  specificity: number;
}

function compile(route: Route): CompiledRoute {
  const parameters: string[] = [];
  let specificity = 0;
  const source = route.path
    .split('/')
    .map((segment) => {
      const match = /^\{([^}+]+)(\+?)\}$/.exec(segment);
      if (!match) {
        specificity += 100;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      parameters.push(match[1] as string);
      specificity += match[2] ? 1 : 10;
      return match[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), parameters, specificity };
}

const compiled = routes.map(compile).sort((a, b) => b.specificity - a.specificity);

/** What API Gateway answers for a request before any handler runs. */
class GatewayRefusal extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, description: string, headers: Record<string, string> = {}) {
    super(description);
    this.status = status;
    this.headers = headers;
  }
}

function decodedSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new GatewayRefusal(400, `The path segment "${excerpt(raw)}" is not valid percent-encoded UTF-8.`);
  }
}

/** The route for a request, or a 404 (no such path) or 405 with `Allow` (the path has other methods). */
export function matchRoute(method: string, path: string) {
  const allowed: string[] = [];
  for (const candidate of compiled) {
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    if (candidate.route.method !== method) {
      allowed.push(candidate.route.method);
      continue;
    }
    const pathParameters: Record<string, string> = {};
    candidate.parameters.forEach((name, index) => {
      pathParameters[name] = decodedSegment(match[index + 1] as string);
    });
    return { route: candidate.route, pathParameters };
  }
  if (allowed.length === 0) throw new GatewayRefusal(404, `No route for ${method} ${excerpt(path)}`);
  const allow = [...new Set(allowed)].sort().join(', ');
  throw new GatewayRefusal(405, `${method} is not allowed on ${excerpt(path)}; use ${allow}.`, { allow });
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function queryOf(search: URLSearchParams): Record<string, string> | undefined {
  const query: Record<string, string> = {};
  for (const name of new Set(search.keys())) query[name] = search.getAll(name).join(',');
  return Object.keys(query).length > 0 ? query : undefined;
}

const TEXT_TYPES = /^(application\/([a-z0-9.+-]*\+)?json|text\/)/i;

/** API Gateway's payload limit: a larger body is refused before it is read. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Reads a body up to the cap. A larger one is refused as soon as its Content-Length or its running
 * count passes the cap, and reading stops there (the request is paused, not destroyed, so the
 * caller still gets the 413 before the connection closes).
 */
function readBody(request: IncomingMessage): Promise<Buffer> {
  const tooLarge = () =>
    new GatewayRefusal(413, `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`);
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      request.off('data', onData);
      request.pause();
      reject(tooLarge());
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/** How long a refused caller has to read the answer before a connection with an unread body closes. */
const LINGER_MS = 2_000;

/**
 * Answers a request whose body was not read in full, without reading the rest: written straight to
 * the socket (a finished ServerResponse would drain the unread body to reuse the connection), then
 * the sending side closes and reading stays stopped; the connection is dropped after a short linger,
 * so the caller reads the answer instead of a reset.
 */
function refuseUnread(
  request: IncomingMessage,
  status: number,
  body: string,
  headers: Record<string, string>,
) {
  request.pause();
  const socket = request.socket;
  const lines = Object.entries({
    ...headers,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n${body}`);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): turns requests into the same
 * events, runs the same authorizer for role-protected routes, then the route's handler module.
 * As in API Gateway, the route and the caller are settled from the request line and headers
 * before a byte of the body is read, so an unauthenticated caller cannot make it read 300 MB.
 */
export async function startHttpGateway(options: {
  port: number;
  /** One JSON line per request: method, path, status, milliseconds and user (never the key). */
  log?: (line: string) => void;
}) {
  function respond(response: ServerResponse, method: string, result: APIGatewayProxyStructuredResultV2) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    const body = result.body
      ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
    if (!headers['content-length'] && method !== 'HEAD') headers['content-length'] = String(body.length);
    response.writeHead(result.statusCode ?? 200, headers);
    response.end(method === 'HEAD' ? undefined : body);
  }

  const fail = (
    status: number,
    description: string,
    headers: Record<string, string> = {},
  ): APIGatewayProxyStructuredResultV2 => ({
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(errorBody(status, description)),
  });

  /** Settles who is calling, from the headers alone; the authorizer's context, or a refusal. */
  async function authorize(
    route: Route,
    method: string,
    url: URL,
    headers: Record<string, string>,
    pathParameters: Record<string, string> | undefined,
    requestContext: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    if (route.role === undefined) return undefined;
    // API Gateway answers 401 itself when the identity source is missing.
    if (!headers.authorization)
      throw new GatewayRefusal(401, 'Missing "Authorization: ApiKey user:secret" header.');
    const authorizer = await loadHandler(new URL('../lambdas/auth/authorizer.ts', import.meta.url).pathname);
    let decision: { isAuthorized: boolean; context?: Record<string, unknown> };
    try {
      decision = (await authorizer(
        {
          version: '2.0',
          type: 'REQUEST',
          routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${method}${url.pathname}`,
          identitySource: [headers.authorization],
          routeKey: routeKey(route),
          rawPath: url.pathname,
          rawQueryString: url.search.replace(/^\?/, ''),
          headers,
          queryStringParameters: queryOf(url.searchParams),
          pathParameters,
          requestContext,
        },
        lambdaContext('bagvault-authorizer'),
      )) as typeof decision;
    } catch (error) {
      if ((error as Error).message === UNAUTHORIZED)
        throw new GatewayRefusal(401, 'The API key is not valid.');
      throw error;
    }
    if (!decision.isAuthorized)
      throw new GatewayRefusal(403, `The API key does not have the "${route.role}" role.`);
    return decision.context ?? {};
  }

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    expectsContinue: boolean,
    seen: { user?: string },
  ) {
    const method = request.method ?? 'GET';
    // An origin-form target is a path, even one that starts `//host` (never an authority).
    const raw = request.url ?? '/';
    const target = raw.startsWith('/') ? `http://127.0.0.1${raw}` : raw;
    if (!URL.canParse(target)) throw new GatewayRefusal(400, 'The request target is not a valid URL.');
    const url = new URL(target);
    const matched = matchRoute(method, url.pathname);
    // As API Gateway does: the scheme the client used (here always plain HTTP on loopback).
    const headers: Record<string, string> = { ...headersOf(request), 'x-forwarded-proto': 'http' };
    const key = routeKey(matched.route);
    const now = new Date();
    const requestContext = {
      accountId: '000000000000',
      apiId: 'local',
      domainName: `127.0.0.1:${options.port}`,
      domainPrefix: '127',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: key,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    };
    const pathParameters =
      Object.keys(matched.pathParameters).length > 0 ? matched.pathParameters : undefined;
    const authorizer = await authorize(matched.route, method, url, headers, pathParameters, requestContext);
    if (typeof authorizer?.user === 'string') seen.user = authorizer.user;

    if (expectsContinue) response.writeContinue();
    const rawBody = await readBody(request);
    // A compressed body is bytes whatever its type: handed over base64-encoded, still compressed.
    const isText =
      !headers['content-encoding'] && (!headers['content-type'] || TEXT_TYPES.test(headers['content-type']));
    const event = {
      version: '2.0',
      routeKey: key,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      queryStringParameters: queryOf(url.searchParams),
      pathParameters,
      body: rawBody.length > 0 ? rawBody.toString(isText ? 'utf8' : 'base64') : undefined,
      isBase64Encoded: rawBody.length > 0 && !isText,
      requestContext: { ...requestContext, authorizer: authorizer && { lambda: authorizer } },
    };
    const handler = await loadHandler(handlerPath(`api/${matched.route.handler}`));
    const result = (await handler(
      event,
      lambdaContext(`bagvault-${matched.route.handler}`),
    )) as APIGatewayProxyStructuredResultV2;
    respond(response, method, result);
  }

  /** Logged once the answer is out; the path only (a query may carry a cursor), never a header. */
  function logRequest(request: IncomingMessage, status: number, started: number, user: string | undefined) {
    if (!options.log) return;
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    options.log(
      JSON.stringify({
        level: 'INFO',
        message: 'request',
        timestamp: new Date().toISOString(),
        method: request.method,
        path: excerpt(path, 500),
        status,
        ms: Math.round(performance.now() - started),
        ...(user ? { user } : {}),
      }),
    );
  }

  function serve(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean) {
    const started = performance.now();
    const seen: { user?: string } = {};
    let logged = false;
    const logOnce = (status: number) => {
      if (logged) return;
      logged = true;
      logRequest(request, status, started, seen.user);
    };
    response.once('finish', () => logOnce(response.statusCode));
    response.once('close', () => logOnce(response.headersSent ? response.statusCode : 0));
    handle(request, response, expectsContinue, seen).catch((error: unknown) => {
      // The caller hung up (mid-body, say): there is no one left to answer.
      if (request.socket.destroyed) return;
      if (response.headersSent) {
        request.socket.destroy();
        return;
      }
      if (error instanceof GatewayRefusal) {
        const refusal = fail(error.status, error.message, error.headers);
        // A body still on its way is never read: the caller gets the answer and the connection closes.
        if (!request.complete) {
          logOnce(error.status);
          return refuseUnread(
            request,
            error.status,
            refusal.body as string,
            refusal.headers as Record<string, string>,
          );
        }
        return respond(response, request.method ?? 'GET', refusal);
      }
      console.error('Local gateway error', error);
      respond(response, request.method ?? 'GET', fail(500, 'Internal error in the local gateway.'));
    });
  }

  const server = createServer((request, response) => serve(request, response, false));
  // `Expect: 100-continue` (curl sends it for large bodies): the go-ahead comes only after the route
  // and the key are settled, so a refused caller never sends the body at all.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) =>
    serve(request, response, true),
  );
  // Requests Node's parser refuses (oversized headers, malformed request lines) get the error shape too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify(
      errorBody(
        status,
        status === 431 ? 'The request headers are too large.' : 'The request is not valid HTTP.',
      ),
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await listen(server, options.port, 'HTTP API', 'BAGVAULT_PORT');
  return { url: `http://127.0.0.1:${options.port}`, close: () => close(server) };
}
