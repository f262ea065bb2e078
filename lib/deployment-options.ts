/**
 * The CDK context options of a deployment (`cdk deploy -c name=value`, or `context` in cdk.json),
 * parsed and checked once so that a typo fails the synth instead of deploying a surprise.
 * bin/app.ts documents them for operators.
 */
import type { IConstruct } from 'constructs';
import { DEFAULTS } from '../lambdas/config.ts';

/** S3 storage classes an object can be written with (PutObject's `StorageClass`). */
export const STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;
export type StorageClassName = (typeof STORAGE_CLASSES)[number];

export interface DeploymentOptions {
  /** Storage class the replica's objects are written with. */
  replicaStorageClass: StorageClassName;
  /** Days a cart (its DynamoDB item and its bundle) lives. */
  cartTtlDays: number;
  /** Lifetime of presigned upload and download URLs. */
  presignExpiresSeconds: number;
  /** Days an uploaded object stays in the upload bucket (ingests must start before then). */
  uploadExpiryDays: number;
  /** The unpacking step refuses archives expanding beyond this many bytes... */
  maxUnpackedBytes: number;
  /** ...or this many files. */
  maxUnpackedFiles: number;
  /** Every bag is re-checked for fixity when its last check is this many days old. */
  fixityIntervalDays: number;
  /** Scheduled fixity runs in flight at once, at most. */
  fixityMaxConcurrentRuns: number;
  /** Minutes between two sweeps of the fixity schedule. */
  fixitySweepMinutes: number;
  /** Browser origins allowed to call the API (CORS); none by default, so browsers get no access. */
  corsAllowOrigins: string[];
  /** Archives larger than this unpack on ECS Fargate instead of in a Lambda invocation. */
  fargateUnpackAboveBytes: number;
  /** Subnets of an existing VPC for the Fargate Unpack task (else the stack makes a VPC for it). */
  unpackNetwork?: { vpcId: string; subnetIds: string[] };
}

export const DEFAULT_DEPLOYMENT_OPTIONS: DeploymentOptions = {
  replicaStorageClass: 'DEEP_ARCHIVE',
  cartTtlDays: DEFAULTS.cartTtlSeconds / 86_400,
  presignExpiresSeconds: DEFAULTS.presignExpiresSeconds,
  uploadExpiryDays: 14,
  maxUnpackedBytes: DEFAULTS.maxUnpackedBytes,
  maxUnpackedFiles: DEFAULTS.maxUnpackedFiles,
  fixityIntervalDays: DEFAULTS.fixityIntervalSeconds / 86_400,
  fixityMaxConcurrentRuns: DEFAULTS.fixityMaxConcurrentRuns,
  fixitySweepMinutes: 60,
  corsAllowOrigins: [],
  fargateUnpackAboveBytes: DEFAULTS.fargateUnpackAboveBytes,
};

/** SigV4 presigned URLs cannot live longer than seven days. */
const MAX_PRESIGN_SECONDS = 7 * 86_400;

/** Context from `-c` arrives as a string, from cdk.json as a number: accept both. */
function positiveInteger(scope: IConstruct, name: keyof DeploymentOptions, fallback: number, max?: number) {
  const raw: unknown = scope.node.tryGetContext(name);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (!Number.isSafeInteger(value) || value <= 0 || (max !== undefined && value > max)) {
    const range = max === undefined ? 'a positive integer' : `an integer from 1 to ${max}`;
    throw new Error(`CDK context "${name}" must be ${range}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function storageClass(scope: IConstruct, name: keyof DeploymentOptions, fallback: StorageClassName) {
  const raw: unknown = scope.node.tryGetContext(name);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = String(raw).trim().toUpperCase();
  const known = STORAGE_CLASSES.find((candidate) => candidate === value);
  if (!known) {
    throw new Error(
      `CDK context "${name}" must be one of ${STORAGE_CLASSES.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return known;
}

/** `https://a.example,https://b.example`: each an origin (scheme, host, optional port), no wildcard. */
function origins(scope: IConstruct, name: keyof DeploymentOptions): string[] {
  const raw: unknown = scope.node.tryGetContext(name);
  if (raw === undefined || raw === null || raw === '') return [];
  const list = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((one) => one.trim());
  for (const origin of list) {
    if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(origin)) {
      throw new Error(
        `CDK context "${name}" must list origins such as https://archive.example.org, got ${JSON.stringify(origin)}`,
      );
    }
  }
  return list;
}

/** `unpackVpcId` and `unpackSubnetIds` (comma-separated) come together or not at all. */
function unpackNetwork(scope: IConstruct): DeploymentOptions['unpackNetwork'] {
  const vpcId: unknown = scope.node.tryGetContext('unpackVpcId');
  const subnets: unknown = scope.node.tryGetContext('unpackSubnetIds');
  const given = (value: unknown) => value !== undefined && value !== null && value !== '';
  if (!given(vpcId) && !given(subnets)) return undefined;
  const subnetIds = (Array.isArray(subnets) ? subnets.map(String) : String(subnets ?? '').split(','))
    .map((one) => one.trim())
    .filter((one) => one !== '');
  if (!/^vpc-[0-9a-f]+$/.test(String(vpcId)) || subnetIds.length === 0) {
    throw new Error(
      `CDK context "unpackVpcId" (vpc-…) and "unpackSubnetIds" (subnet-…,subnet-…) go together, got ${JSON.stringify({ unpackVpcId: vpcId, unpackSubnetIds: subnets })}`,
    );
  }
  for (const subnetId of subnetIds) {
    if (!/^subnet-[0-9a-f]+$/.test(subnetId)) {
      throw new Error(`CDK context "unpackSubnetIds" must list subnet ids, got ${JSON.stringify(subnetId)}`);
    }
  }
  return { vpcId: String(vpcId), subnetIds };
}

export function readDeploymentOptions(scope: IConstruct): DeploymentOptions {
  const defaults = DEFAULT_DEPLOYMENT_OPTIONS;
  return {
    replicaStorageClass: storageClass(scope, 'replicaStorageClass', defaults.replicaStorageClass),
    cartTtlDays: positiveInteger(scope, 'cartTtlDays', defaults.cartTtlDays),
    presignExpiresSeconds: positiveInteger(
      scope,
      'presignExpiresSeconds',
      defaults.presignExpiresSeconds,
      MAX_PRESIGN_SECONDS,
    ),
    uploadExpiryDays: positiveInteger(scope, 'uploadExpiryDays', defaults.uploadExpiryDays),
    maxUnpackedBytes: positiveInteger(scope, 'maxUnpackedBytes', defaults.maxUnpackedBytes),
    maxUnpackedFiles: positiveInteger(scope, 'maxUnpackedFiles', defaults.maxUnpackedFiles),
    fixityIntervalDays: positiveInteger(scope, 'fixityIntervalDays', defaults.fixityIntervalDays),
    fixityMaxConcurrentRuns: positiveInteger(
      scope,
      'fixityMaxConcurrentRuns',
      defaults.fixityMaxConcurrentRuns,
    ),
    fixitySweepMinutes: positiveInteger(scope, 'fixitySweepMinutes', defaults.fixitySweepMinutes),
    corsAllowOrigins: origins(scope, 'corsAllowOrigins'),
    fargateUnpackAboveBytes: positiveInteger(
      scope,
      'fargateUnpackAboveBytes',
      defaults.fargateUnpackAboveBytes,
    ),
    unpackNetwork: unpackNetwork(scope),
  };
}
