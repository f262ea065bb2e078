import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { routeKey, routes } from '../../lambdas/http/routes.ts';
import { TABLE_KEYS } from '../../lambdas/table/keys.ts';
import { FUNCTION_PROFILES, STEP_SIZES } from '../../lib/handler-functions.ts';
import { allHandlerModules, apiHandlerModule, AUTHORIZER_MODULE } from '../../lib/handler-modules.ts';
import { synthStack } from './synth-stack.ts';
import { functionsByModule, referencedIds, render, resourcesOfType } from './template-helpers.ts';

const { stack, template } = synthStack();

describe('the Bagvault stack', () => {
  it('has four state machines (ingest, cart, fixity, deletion), the storage buckets plus an access-log bucket, one table and one HTTP API', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 4);
    // uploads, unpack, primary, one replica, bundles + the access-log bucket
    template.resourceCountIs('AWS::S3::Bucket', 6);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
  });

  it('keeps state in one pay-per-request table with PITR, TTL on expiresAt and the gsi1 index', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE_KEYS.listIndex,
            KeySchema: [
              { AttributeName: TABLE_KEYS.listPartitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE_KEYS.listSortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    });
  });

  it('builds one function per handler module, each once', () => {
    const modules = [...functionsByModule(template).keys()].sort();
    expect(modules).toEqual([...allHandlerModules()].sort());
    template.resourceCountIs('AWS::Lambda::Function', allHandlerModules().length);
  });

  it('runs every function on Node.js 22 on ARM with tracing and its own log group', () => {
    for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() },
      });
    }
  });

  it('sizes API functions for requests and workflow functions for streaming large files', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    for (const [module, id] of functionsByModule(template)) {
      const profile = module.startsWith('handlers/api/') || module === AUTHORIZER_MODULE ? 'api' : 'workflow';
      expect(functions[id].Properties, module).toMatchObject({
        MemorySize: STEP_SIZES[module]?.memorySize ?? FUNCTION_PROFILES[profile].memorySize,
        Timeout: FUNCTION_PROFILES[profile].timeout.toSeconds(),
      });
    }
    expect(FUNCTION_PROFILES.workflow).toMatchObject({ memorySize: 1024 });
    expect(FUNCTION_PROFILES.workflow.timeout.toMinutes()).toBe(15);
  });

  it('sizes each ingest step to what it holds: /tmp for the sorted runs of Verify and Register, little for bookkeeping steps', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const byModule = functionsByModule(template);
    const properties = (module: string) => functions[byModule.get(module) as string]?.Properties ?? {};
    for (const step of ['handlers/ingest/verify-bag', 'handlers/ingest/register']) {
      expect(properties(step), step).toMatchObject({ MemorySize: 1024, EphemeralStorage: { Size: 2048 } });
    }
    for (const step of ['assign-version', 'aggregate-replicas', 'record-step', 'callback']) {
      expect(properties(`handlers/ingest/${step}`), step).toMatchObject({ MemorySize: 256 });
      expect(properties(`handlers/ingest/${step}`), step).not.toHaveProperty('EphemeralStorage');
    }
    for (const module of Object.keys(STEP_SIZES)) expect(byModule.has(module), module).toBe(true);
  });

  it('gives every function every configuration variable and the Powertools settings', () => {
    const logicalId = (element: unknown) => stack.getLogicalId(element as CfnElement);
    for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      for (const name of [
        ENV.tableName,
        ENV.uploadBucket,
        ENV.unpackBucket,
        ENV.primaryBucket,
        ENV.primaryStorageClass,
        ENV.replicas,
        ENV.bundleBucket,
        ENV.ingestStateMachineArn,
        ENV.cartStateMachineArn,
        ENV.presignExpiresSeconds,
        ENV.cartTtlSeconds,
        ENV.maxUnpackedBytes,
        ENV.maxUnpackedFiles,
      ]) {
        expect(variables, name).toHaveProperty(name);
      }
      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'bagvault',
        POWERTOOLS_METRICS_NAMESPACE: 'Bagvault',
        [ENV.primaryStorageClass]: 'STANDARD',
        [ENV.presignExpiresSeconds]: '900',
        [ENV.cartTtlSeconds]: String(7 * 86_400),
        [ENV.tableName]: { Ref: logicalId(stack.stateTable.table.node.defaultChild) },
        [ENV.uploadBucket]: { Ref: logicalId(stack.buckets.uploads.node.defaultChild) },
        [ENV.unpackBucket]: { Ref: logicalId(stack.buckets.unpack.node.defaultChild) },
        [ENV.primaryBucket]: { Ref: logicalId(stack.buckets.primary.node.defaultChild) },
        [ENV.bundleBucket]: { Ref: logicalId(stack.buckets.bundles.node.defaultChild) },
      });
    }
  });

  it('names each state machine ARN in the environment after the state machine it deploys', () => {
    const [fn] = Object.values(resourcesOfType(template, 'AWS::Lambda::Function'));
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
    const names = Object.values(machines).map((machine) => machine.Properties.StateMachineName);
    expect(names.sort()).toEqual([
      'Bagvault-cart',
      'Bagvault-deletion',
      'Bagvault-fixity',
      'Bagvault-ingest',
    ]);
    const arnOf = (name: string) =>
      `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${name}`;
    expect(render(variables[ENV.ingestStateMachineArn])).toBe(arnOf('Bagvault-ingest'));
    expect(render(variables[ENV.cartStateMachineArn])).toBe(arnOf('Bagvault-cart'));
    expect(render(variables[ENV.fixityStateMachineArn])).toBe(arnOf('Bagvault-fixity'));
    expect(render(variables[ENV.deletionStateMachineArn])).toBe(arnOf('Bagvault-deletion'));
  });
});

describe('the HTTP API', () => {
  const apiRoutes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
  const [authorizerId] = Object.keys(resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer'));
  const integrations = resourcesOfType(template, 'AWS::ApiGatewayV2::Integration');
  const functions = functionsByModule(template);

  it('has a Lambda REQUEST authorizer with simple responses, the Authorization header and no cache', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 0,
      AuthorizerUri: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([{ 'Fn::GetAtt': [functions.get(AUTHORIZER_MODULE), 'Arn'] }]),
        ]),
      }),
    });
  });

  it('has exactly one route per route-table entry', () => {
    expect(apiRoutes.map((route) => route.Properties.RouteKey).sort()).toEqual(routes.map(routeKey).sort());
  });

  it.each(routes.map((route) => [routeKey(route), route] as const))(
    '%s: integrated with its handler, authorized when it names a role',
    (key, route) => {
      const apiRoute = apiRoutes.find((candidate) => candidate.Properties.RouteKey === key);
      expect(apiRoute).toBeDefined();
      const [integrationId] = referencedIds(apiRoute!.Properties.Target);
      const integration = integrations[integrationId];
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
      expect(referencedIds(integration.Properties.IntegrationUri)).toContain(
        functions.get(apiHandlerModule(route.handler)),
      );
      if (route.role === undefined) {
        expect(apiRoute!.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
      } else {
        expect(apiRoute!.Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizerId },
        });
      }
    },
  );

  it('serves from an auto-deployed $default stage with access logging', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });
});
