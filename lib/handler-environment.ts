/**
 * The environment every function gets: the names lambdas/config.ts reads (ENV), filled with this
 * stack's resources and the deployment options, plus the Powertools settings.
 */
import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { ENV, type ReplicaLocation } from '../lambdas/config.ts';
import type { DeploymentOptions } from './deployment-options.ts';
import type { StorageBuckets } from './storage-buckets.ts';

export const PRIMARY_STORAGE_CLASS = 'STANDARD';

export interface HandlerEnvironmentProps {
  stack: Stack;
  table: ITable;
  buckets: StorageBuckets;
  /** ARNs built from the fixed state machine names (see workflows.ts), not references to them. */
  ingestStateMachineArn: string;
  cartStateMachineArn: string;
  fixityStateMachineArn: string;
  deletionStateMachineArn: string;
  /** Only its ARN: the value is read at run time by the functions granted it. */
  cursorSecretArn: string;
  /** The role S3 Batch Operations assumes for fixity's Compute checksum jobs. */
  batchOperationsRoleArn: string;
  options: DeploymentOptions;
}

const cfnBucketOf = (bucket: Bucket) => bucket.node.defaultChild as CfnBucket;
const hasObjectLock = (bucket: Bucket) => cfnBucketOf(bucket).objectLockEnabled === true;

export function handlerEnvironment(props: HandlerEnvironmentProps): Record<string, string> {
  const { buckets, options } = props;
  const replicas: ReplicaLocation[] = buckets.replicas.map((replica) => ({
    name: replica.name,
    bucket: replica.bucket.bucketName,
    storageClass: replica.storageClass,
    // Read from the bucket as built (storage-buckets.ts creates every storage bucket with it).
    objectLock: hasObjectLock(replica.bucket),
  }));
  const environment: Record<string, string> = {
    [ENV.tableName]: props.table.tableName,
    [ENV.uploadBucket]: buckets.uploads.bucketName,
    [ENV.unpackBucket]: buckets.unpack.bucketName,
    [ENV.primaryBucket]: buckets.primary.bucketName,
    [ENV.primaryStorageClass]: PRIMARY_STORAGE_CLASS,
    [ENV.primaryObjectLock]: String(hasObjectLock(buckets.primary)),
    // toJsonString keeps the bucket-name references intact inside the JSON text.
    [ENV.replicas]: props.stack.toJsonString(replicas),
    [ENV.bundleBucket]: buckets.bundles.bucketName,
    [ENV.ingestStateMachineArn]: props.ingestStateMachineArn,
    [ENV.cartStateMachineArn]: props.cartStateMachineArn,
    [ENV.fixityStateMachineArn]: props.fixityStateMachineArn,
    [ENV.fixityIntervalSeconds]: String(options.fixityIntervalDays * 86_400),
    [ENV.fixityMaxConcurrentRuns]: String(options.fixityMaxConcurrentRuns),
    [ENV.fixitySweepSeconds]: String(options.fixitySweepMinutes * 60),
    [ENV.deletionStateMachineArn]: props.deletionStateMachineArn,
    [ENV.cursorSecretArn]: props.cursorSecretArn,
    [ENV.batchOperationsRoleArn]: props.batchOperationsRoleArn,
    [ENV.presignExpiresSeconds]: String(options.presignExpiresSeconds),
    [ENV.cartTtlSeconds]: String(options.cartTtlDays * 86_400),
    [ENV.maxUnpackedBytes]: String(options.maxUnpackedBytes),
    [ENV.maxUnpackedFiles]: String(options.maxUnpackedFiles),
    [ENV.fargateUnpackAboveBytes]: String(options.fargateUnpackAboveBytes),
    POWERTOOLS_SERVICE_NAME: 'bagvault',
    POWERTOOLS_METRICS_NAMESPACE: 'Bagvault',
  };
  return environment;
}
