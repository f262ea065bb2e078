/**
 * The HTTP API, built from the one route table (lambdas/http/routes.ts): a route per entry, each
 * integrated with the function of its handler module, and the API-key Lambda authorizer on every
 * route that names a role. Routes without a role (the healthcheck) are open.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey, routes } from '../lambdas/http/routes.ts';
import type { HandlerFunctions } from './handler-functions.ts';
import { apiHandlerModule, AUTHORIZER_MODULE } from './handler-modules.ts';

export interface BagvaultHttpApiProps {
  functions: HandlerFunctions;
  /** Browser origins allowed to call the API; empty: no CORS configuration at all. */
  corsAllowOrigins?: readonly string[];
}

export class BagvaultHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly authorizer: HttpLambdaAuthorizer;
  /** Route key (`GET /spaces`) → route. */
  readonly routes = new Map<string, HttpRoute>();

  constructor(scope: Construct, id: string, props: BagvaultHttpApiProps) {
    super(scope, id);
    const { functions } = props;

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: Stack.of(this).stackName,
      description: 'Bagvault preservation storage API',
      // The default stage is added below, with access logging.
      createDefaultStage: false,
      ...(props.corsAllowOrigins?.length
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsAllowOrigins],
              allowMethods: [...new Set(routes.map((route) => CorsHttpMethod[route.method]))],
              allowHeaders: ['authorization', 'content-type'],
              // Clients read where an ingest is, and the cart status headers.
              exposeHeaders: ['location', 'x-pacifica-status', 'x-pacifica-message'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(
          new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR }),
        ),
      },
    });

    this.authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', functions.add(AUTHORIZER_MODULE, 'api'), {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // A request without the header is refused with 401 before the authorizer runs.
      identitySource: ['$request.header.Authorization'],
      // The decision depends on the route (its role), and a cache entry is keyed by the header
      // alone: a cached "allow" for one route would leak to others.
      resultsCacheTtl: Duration.seconds(0),
    });

    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        const fn = functions.add(apiHandlerModule(route.handler), 'api');
        integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn);
        integrations.set(route.handler, integration);
      }
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: route.role === undefined ? undefined : this.authorizer,
      });
      this.routes.set(routeKey(route), httpRoute);
    }
  }

  /** The API's base URL (the `$default` stage serves at the root). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
