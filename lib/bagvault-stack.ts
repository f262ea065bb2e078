/**
 * The Bagvault stack: storage buckets, the state table, one Lambda function per handler module,
 * the ingest and cart state machines, the HTTP API, and the grants tying them together.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ChecksumBatchRole } from './checksum-batch-role.ts';
import { CursorSecret } from './cursor-secret.ts';
import type { DeploymentOptions } from './deployment-options.ts';
import { DELETING_MODULE, DeletionRole } from './deletion-role.ts';
import { applyHandlerAccess, grantHandlerAccess } from './handler-access.ts';
import {
  allHandlerModules,
  moduleExists,
  RESTORE_COMPLETED_MODULE,
  taskHandlerModule,
} from './handler-modules.ts';
import { CartRestoreRule } from './cart-restore-rule.ts';
import { handlerEnvironment } from './handler-environment.ts';
import { HandlerFunctions } from './handler-functions.ts';
import { BagvaultHttpApi } from './http-api.ts';
import { DeletionRedrive } from './deletion-redrive.ts';
import { FixityMonitoring } from './fixity-monitoring.ts';
import { acknowledgeNagFindings } from './nag-suppressions.ts';
import { StateTable } from './state-table.ts';
import { StorageBuckets } from './storage-buckets.ts';
import { UnpackTask } from './unpack-task.ts';
import { stateMachineArn, Workflows } from './workflows.ts';
import { routeKey, routes } from '../lambdas/http/routes.ts';

export interface BagvaultStackProps extends StackProps {
  options: DeploymentOptions;
}

export class BagvaultStack extends Stack {
  readonly buckets: StorageBuckets;
  readonly stateTable: StateTable;
  readonly functions: HandlerFunctions;
  readonly workflows: Workflows;
  readonly unpackTask: UnpackTask;
  readonly httpApi: BagvaultHttpApi;
  readonly deletionRole: DeletionRole;
  readonly cursorSecret: CursorSecret;
  readonly checksumBatchRole: ChecksumBatchRole;

  constructor(scope: Construct, id: string, props: BagvaultStackProps) {
    super(scope, id, props);
    const { options } = props;
    failOnMissingHandlerModules(this);

    // The deletion role exists first: the storage buckets' policy names it as the one exemption.
    this.deletionRole = new DeletionRole(this, 'Deletion');
    this.buckets = new StorageBuckets(this, 'Storage', {
      replicaStorageClass: options.replicaStorageClass,
      uploadExpiryDays: options.uploadExpiryDays,
      cartTtlDays: options.cartTtlDays,
      deletionRoleArns: [this.deletionRole.role.roleArn],
    });
    this.checksumBatchRole = new ChecksumBatchRole(this, 'ChecksumBatch', { buckets: this.buckets });
    this.stateTable = new StateTable(this, 'State');
    this.cursorSecret = new CursorSecret(this, 'CursorSecret');

    const environment = handlerEnvironment({
      stack: this,
      table: this.stateTable.table,
      buckets: this.buckets,
      ingestStateMachineArn: stateMachineArn(this, 'ingest'),
      cartStateMachineArn: stateMachineArn(this, 'cart'),
      fixityStateMachineArn: stateMachineArn(this, 'fixity'),
      deletionStateMachineArn: stateMachineArn(this, 'deletion'),
      cursorSecretArn: this.cursorSecret.secret.secretArn,
      batchOperationsRoleArn: this.checksumBatchRole.role.roleArn,
      options,
    });
    this.functions = new HandlerFunctions(this, 'Functions', {
      environment,
      roles: { [DELETING_MODULE]: this.deletionRole.role },
    });
    this.unpackTask = new UnpackTask(this, 'UnpackTask', { environment, network: options.unpackNetwork });
    this.workflows = new Workflows(this, 'Workflows', {
      functions: this.functions,
      containerTasks: { ingest: this.unpackTask },
      workBucket: this.buckets.unpack,
    });
    this.httpApi = new BagvaultHttpApi(this, 'Api', {
      functions: this.functions,
      corsAllowOrigins: options.corsAllowOrigins,
    });
    new CartRestoreRule(this, 'CartRestores', {
      buckets: this.buckets.storageBuckets(),
      handler: this.functions.add(RESTORE_COMPLETED_MODULE, 'workflow'),
    });
    const fixity = new FixityMonitoring(this, 'Fixity', {
      functions: this.functions,
      sweepMinutes: options.fixitySweepMinutes,
    });
    new DeletionRedrive(this, 'DeletionRedrive', {
      functions: this.functions,
      alarmTopic: fixity.alarmTopic,
    });

    const accessTargets = {
      table: this.stateTable.table,
      buckets: this.buckets,
      stateMachines: this.workflows.stateMachines,
      cursorSecret: this.cursorSecret.secret,
      checksumBatchRole: this.checksumBatchRole.role,
    };
    applyHandlerAccess(this.functions, accessTargets);
    // The Fargate task runs the Unpack handler: the same needs, and it answers its Task by token.
    grantHandlerAccess(this.unpackTask.taskRole, taskHandlerModule('ingest/unpack'), accessTargets);
    this.unpackTask.grantTaskResponse(stateMachineArn(this, 'ingest'));

    acknowledgeNagFindings(this, {
      functions: this.functions,
      accessLogsBucket: this.buckets.accessLogs,
      cursorSecret: this.cursorSecret.secret,
      unpackTaskDefinition: this.unpackTask.taskDefinition,
      openRoutes: routes
        .filter((route) => route.role === undefined)
        .map((route) => this.httpApi.routes.get(routeKey(route)))
        .filter((route) => route !== undefined),
    });

    // What operators and the command line need after `cdk deploy`.
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'BAGVAULT_URL' });
    new CfnOutput(this, 'TableName', { value: this.stateTable.table.tableName });
    new CfnOutput(this, 'UploadBucketName', { value: this.buckets.uploads.bucketName });
    new CfnOutput(this, 'PrimaryBucketName', { value: this.buckets.primary.bucketName });
    for (const [index, replica] of this.buckets.replicas.entries()) {
      new CfnOutput(this, `ReplicaBucketName${index + 1}`, { value: replica.bucket.bucketName });
    }
    new CfnOutput(this, 'FixityAlarmTopicArn', {
      value: fixity.alarmTopic.topicArn,
      description: 'Subscribe to hear of unrepaired fixity failures and deletions that need an operator',
    });
    new CfnOutput(this, 'BundleBucketName', { value: this.buckets.bundles.bucketName });
    for (const [name, stateMachine] of Object.entries(this.workflows.stateMachines)) {
      new CfnOutput(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}StateMachineArn`, {
        value: stateMachine.stateMachineArn,
      });
    }
  }
}

/** A deployable synth needs every module; name them all at once rather than the first one. */
function failOnMissingHandlerModules(stack: Stack): void {
  if (!stack.bundlingRequired) return;
  const missing = allHandlerModules().filter((module) => !moduleExists(module));
  if (missing.length > 0) {
    throw new Error(
      `Cannot bundle the Lambda functions: these handler modules named by lambdas/http/routes.ts or ` +
        `lambdas/workflows/tasks.ts do not exist:\n${missing.map((m) => `  lambdas/${m}.ts`).join('\n')}`,
    );
  }
}
