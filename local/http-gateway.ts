import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, UNAUTHORIZED } from '../lambdas/http/errors.ts';
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

function matchRoute(method: string, path: string) {
  for (const candidate of compiled) {
    if (candidate.route.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const pathParameters: Record<string, string> = {};
    candidate.parameters.forEach((name, index) => {
      pathParameters[name] = decodeURIComponent(match[index + 1] as string);
    });
    return { route: candidate.route, pathParameters };
  }
  return undefined;
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

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): turns requests into the same
 * events, runs the same authorizer for role-protected routes, then the route's handler module.
 */
export async function startHttpGateway(options: { port: number }) {
  async function respond(
    response: ServerResponse,
    method: string,
    result: APIGatewayProxyStructuredResultV2,
  ) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    const body = result.body
      ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
    if (!headers['content-length'] && method !== 'HEAD') headers['content-length'] = String(body.length);
    response.writeHead(result.statusCode ?? 200, headers);
    response.end(method === 'HEAD' ? undefined : body);
  }

  const fail = (status: number, description: string): APIGatewayProxyStructuredResultV2 => ({
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(errorBody(status, description)),
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const matched = matchRoute(method, url.pathname);
    if (!matched) return respond(response, method, fail(404, `No route for ${method} ${url.pathname}`));

    const headers = headersOf(request);
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
    const rawBody = Buffer.concat(chunks);
    const isText = !headers['content-type'] || TEXT_TYPES.test(headers['content-type']);
    const event = {
      version: '2.0',
      routeKey: key,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      queryStringParameters: queryOf(url.searchParams),
      pathParameters: Object.keys(matched.pathParameters).length > 0 ? matched.pathParameters : undefined,
      body: rawBody.length > 0 ? rawBody.toString(isText ? 'utf8' : 'base64') : undefined,
      isBase64Encoded: rawBody.length > 0 && !isText,
      requestContext: { ...requestContext, authorizer: undefined as unknown },
    };

    if (matched.route.role !== undefined) {
      // API Gateway answers 401 itself when the identity source is missing.
      if (!headers.authorization)
        return respond(response, method, fail(401, 'Missing "Authorization: ApiKey user:secret" header.'));
      const authorize = await loadHandler(new URL('../lambdas/auth/authorizer.ts', import.meta.url).pathname);
      let decision: { isAuthorized: boolean; context?: Record<string, unknown> };
      try {
        decision = (await authorize(
          {
            version: '2.0',
            type: 'REQUEST',
            routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${method}${url.pathname}`,
            identitySource: [headers.authorization],
            routeKey: key,
            rawPath: url.pathname,
            rawQueryString: event.rawQueryString,
            headers,
            queryStringParameters: event.queryStringParameters,
            pathParameters: event.pathParameters,
            requestContext,
          },
          lambdaContext('bagvault-authorizer'),
        )) as typeof decision;
      } catch (error) {
        if ((error as Error).message === UNAUTHORIZED)
          return respond(response, method, fail(401, 'The API key is not valid.'));
        console.error('Authorizer failed', error);
        return respond(response, method, fail(500, 'The authorizer failed.'));
      }
      if (!decision.isAuthorized) {
        return respond(
          response,
          method,
          fail(403, `The API key does not have the "${matched.route.role}" role.`),
        );
      }
      event.requestContext.authorizer = { lambda: decision.context ?? {} };
    }

    const handler = await loadHandler(handlerPath(`api/${matched.route.handler}`));
    const result = (await handler(
      event,
      lambdaContext(`bagvault-${matched.route.handler}`),
    )) as APIGatewayProxyStructuredResultV2;
    await respond(response, method, result);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('Local gateway error', error);
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify(errorBody(500, 'Internal error in the local gateway.')));
      }
    });
  });
  await listen(server, options.port, 'HTTP API', 'BAGVAULT_PORT');
  return { url: `http://127.0.0.1:${options.port}`, close: () => close(server) };
}
