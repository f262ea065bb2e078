/**
 * What each handler may touch: the one table of IAM needs, applied with CDK grant methods. Anything
 * not listed here is denied. Keys are handler modules (relative to lambdas/, see handler-modules.ts).
 */
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { StateMachineName } from '../lambdas/workflows/tasks.ts';
import { BATCH_OPERATIONS_SERVICE } from './checksum-batch-role.ts';
import type { HandlerFunctions } from './handler-functions.ts';
import {
  apiHandlerModule as api,
  AUTHORIZER_MODULE,
  DELETION_REDRIVE_MODULE,
  FIXITY_SWEEP_MODULE,
  RESTORE_COMPLETED_MODULE,
  taskHandlerModule as task,
} from './handler-modules.ts';
import type { StorageBuckets } from './storage-buckets.ts';

/** `replicas` stands for every replica bucket. */
export type BucketName = 'uploads' | 'unpack' | 'primary' | 'replicas' | 'bundles';

/**
 * - `read`: GetObject (incl. GetObjectAttributes, for checksums of cold objects), List, bucket info.
 * - `put`: PutObject and the multipart upload calls (create, upload part, complete, abort); unlike
 *   CDK's grants.put, no PutObjectRetention, PutObjectLegalHold or tagging.
 * - `list-parts`: ListParts of a multipart upload (ListMultipartUploadParts), nothing else.
 * - `delete`: DeleteObject (refused anyway on primary and replicas by their bucket policy).
 * - `restore`: RestoreObject, to bring cold objects back for a cart.
 * - `legal-hold`: PutObjectLegalHold, only to turn a hold ON (Register).
 * - `releaseHold`: PutObjectLegalHold (either way), ListBucketVersions and DeleteObjectVersion: for
 *   the deletion workflow alone, which lifts legal holds and removes every version (the bucket
 *   policy exempts it).
 * - `delete-unregistered`: DeleteObject and DeleteObjectVersion on primary and replicas, for the
 *   failure cleanup only; the role is also exempted from the buckets' deny, and S3 itself refuses to
 *   delete a held (registered) version. See StorageBuckets.allowUnregisteredCleanupBy.
 */
export type BucketAccess =
  'read' | 'put' | 'list-parts' | 'delete' | 'restore' | 'legal-hold' | 'delete-unregistered' | 'releaseHold';

export type AccessNeed =
  | { table: 'read' | 'readWrite' }
  | { bucket: BucketName; access: readonly BucketAccess[] }
  | {
      stateMachine: StateMachineName;
      actions: readonly ('states:StartExecution' | 'states:StopExecution' | 'states:DescribeExecution')[];
    }
  /** Reads the secret that seals list cursors (lists only). */
  | { secret: 'cursor' }
  /** S3 Batch Operations "Compute checksum" jobs run with the checksum role (fixity, issue 9). */
  | { checksumJobs: 'create' | 'describe' };

const TABLE_READ = { table: 'read' } as const;
const TABLE_READ_WRITE = { table: 'readWrite' } as const;
const CURSOR_SECRET = { secret: 'cursor' } as const;

export const HANDLER_ACCESS: Readonly<Record<string, readonly AccessNeed[]>> = {
  [AUTHORIZER_MODULE]: [TABLE_READ],

  // API handlers
  [api('healthcheck')]: [],
  [api('openapi')]: [],
  [api('list-spaces')]: [TABLE_READ, CURSOR_SECRET],
  [api('get-space')]: [TABLE_READ],
  [api('create-space')]: [TABLE_READ_WRITE],
  [api('update-space')]: [TABLE_READ_WRITE],
  [api('create-key')]: [TABLE_READ_WRITE],
  [api('list-keys')]: [TABLE_READ],
  [api('revoke-key')]: [TABLE_READ_WRITE],
  [api('create-upload')]: [TABLE_READ, { bucket: 'uploads', access: ['put'] }],
  // list-parts: whether the upload is there (an unknown upload id is the caller's mistake, a 4xx).
  [api('complete-upload')]: [TABLE_READ, { bucket: 'uploads', access: ['put', 'list-parts'] }],
  // put: the presigned part URLs are signed with this role.
  [api('upload-parts')]: [TABLE_READ, { bucket: 'uploads', access: ['put', 'list-parts'] }],
  [api('create-ingest')]: [TABLE_READ_WRITE, { stateMachine: 'ingest', actions: ['states:StartExecution'] }],
  [api('list-ingests')]: [TABLE_READ, CURSOR_SECRET],
  [api('get-ingest')]: [TABLE_READ],
  [api('ingest-action')]: [
    TABLE_READ_WRITE,
    { stateMachine: 'ingest', actions: ['states:StopExecution'] },
    { bucket: 'unpack', access: ['read', 'delete'] },
  ],
  [api('list-bags')]: [TABLE_READ, { bucket: 'primary', access: ['read'] }, CURSOR_SECRET],
  // Replicas too: a file whose primary copy failed its last fixity check is served from a replica.
  [api('get-bag')]: [
    TABLE_READ,
    { bucket: 'primary', access: ['read'] },
    { bucket: 'replicas', access: ['read'] },
    CURSOR_SECRET,
  ],
  [api('get-fixity')]: [TABLE_READ],
  // Actions on a bag: deletion requests and fixity runs.
  [api('bag-action')]: [
    TABLE_READ_WRITE,
    { stateMachine: 'deletion', actions: ['states:StartExecution'] },
    { stateMachine: 'fixity', actions: ['states:StartExecution'] },
  ],
  [api('list-deletion-requests')]: [TABLE_READ],
  [api('get-deletion-request')]: [TABLE_READ],
  // Describe: approving an approved request again re-drives a deletion that is not running.
  [api('decide-deletion-request')]: [
    TABLE_READ_WRITE,
    { stateMachine: 'deletion', actions: ['states:StartExecution', 'states:DescribeExecution'] },
  ],
  // Read: the size of an uploaded file list.
  [api('create-cart')]: [
    TABLE_READ_WRITE,
    { bucket: 'bundles', access: ['read', 'put'] },
    { stateMachine: 'cart', actions: ['states:StartExecution'] },
  ],
  // Presigns the PUT of a cart's file list (the URL carries this role's right to put).
  [api('create-cart-file-list')]: [{ bucket: 'bundles', access: ['put'] }],
  [api('cart-status')]: [TABLE_READ],
  [api('download-cart')]: [TABLE_READ, { bucket: 'bundles', access: ['read'] }],
  [api('delete-cart')]: [
    TABLE_READ_WRITE,
    { bucket: 'bundles', access: ['delete'] },
    { stateMachine: 'cart', actions: ['states:StopExecution'] },
  ],

  // Ingest workflow tasks
  [task('ingest/measure-archive')]: [TABLE_READ_WRITE, { bucket: 'uploads', access: ['read'] }],
  [task('ingest/unpack')]: [
    TABLE_READ_WRITE,
    { bucket: 'uploads', access: ['read'] },
    { bucket: 'unpack', access: ['read', 'put', 'delete'] },
  ],
  [task('ingest/detect-bag-root')]: [TABLE_READ_WRITE, { bucket: 'unpack', access: ['read'] }],
  [task('ingest/verify-bag')]: [
    TABLE_READ_WRITE,
    { bucket: 'unpack', access: ['read', 'put'] },
    // fetch.txt entries point at files of earlier versions in the primary location.
    { bucket: 'primary', access: ['read'] },
  ],
  [task('ingest/assign-version')]: [TABLE_READ_WRITE],
  // The work area: a location's failure, kept for the ingest's failure event (location-failures.ts).
  [task('ingest/record-step')]: [TABLE_READ_WRITE, { bucket: 'unpack', access: ['read', 'put'] }],
  [task('ingest/replicate-chunk')]: [
    TABLE_READ,
    // Put: a multipart copy records its upload id in the work area, so a retry continues it.
    { bucket: 'unpack', access: ['read', 'put'] },
    // Read too: an existing object is compared, never overwritten with different content.
    { bucket: 'primary', access: ['read', 'put'] },
    { bucket: 'replicas', access: ['read', 'put'] },
  ],
  [task('ingest/verify-replica-chunk')]: [
    TABLE_READ_WRITE,
    { bucket: 'primary', access: ['read'] },
    { bucket: 'replicas', access: ['read'] },
  ],
  [task('ingest/aggregate-replicas')]: [TABLE_READ_WRITE],
  [task('ingest/register')]: [
    TABLE_READ_WRITE,
    // put: the storage manifest; legal-hold: on every object it registers, in every location.
    { bucket: 'primary', access: ['read', 'put', 'legal-hold'] },
    { bucket: 'replicas', access: ['legal-hold'] },
    { bucket: 'unpack', access: ['read', 'delete'] },
  ],
  [task('ingest/callback')]: [TABLE_READ_WRITE],
  [task('ingest/record-failure')]: [
    TABLE_READ_WRITE,
    { bucket: 'unpack', access: ['read', 'delete'] },
    // What the failed ingest wrote under its unregistered version, in every location.
    { bucket: 'primary', access: ['delete-unregistered'] },
    { bucket: 'replicas', access: ['delete-unregistered'] },
  ],

  // Cart workflow tasks
  // Reads the request, writes the resolved file list beside it.
  [task('cart/resolve')]: [TABLE_READ_WRITE, { bucket: 'bundles', access: ['read', 'put'] }],
  [task('cart/stage')]: [
    TABLE_READ_WRITE,
    { bucket: 'primary', access: ['read', 'restore'] },
    { bucket: 'replicas', access: ['read', 'restore'] },
    { bucket: 'bundles', access: ['read'] },
  ],
  [task('cart/bundle')]: [
    TABLE_READ_WRITE,
    { bucket: 'primary', access: ['read'] },
    { bucket: 'replicas', access: ['read'] },
    { bucket: 'bundles', access: ['read', 'put', 'delete'] },
  ],
  // One read of the cart item between two waits for restores.
  [task('cart/check-restores')]: [TABLE_READ],
  // Started by EventBridge on S3's restore-completed events: removes waiters, counts carts down.
  [RESTORE_COMPLETED_MODULE]: [TABLE_READ_WRITE],
  [task('cart/record-error')]: [TABLE_READ_WRITE, { bucket: 'bundles', access: ['delete'] }],

  // Fixity workflow tasks (the work area is in the unpack bucket)
  [task('fixity/prepare')]: [
    TABLE_READ_WRITE,
    { bucket: 'primary', access: ['read'] },
    { bucket: 'unpack', access: ['put'] },
  ],
  // Put: a bad copy is rewritten (server-side copy) from a verified copy in another location.
  [task('fixity/check-chunk')]: [
    TABLE_READ_WRITE,
    // Put: a multipart repair copy records its upload id in the run's work area (resumable).
    { bucket: 'unpack', access: ['read', 'put'] },
    // A repaired copy is a registered object again: it gets its legal hold, as Register gives one.
    { bucket: 'primary', access: ['read', 'put', 'legal-hold'] },
    { bucket: 'replicas', access: ['read', 'put', 'legal-hold'] },
  ],
  // Writes the job's manifest and creates the job, passing only the checksum role to S3.
  [task('fixity/compute-checksums')]: [
    TABLE_READ,
    { bucket: 'unpack', access: ['read', 'put'] },
    { checksumJobs: 'create' },
  ],
  // Reads the job's report; a copy it finds changed is repaired like in check-chunk.
  [task('fixity/collect-checksums')]: [
    TABLE_READ_WRITE,
    { bucket: 'unpack', access: ['read', 'put'] },
    { bucket: 'primary', access: ['read', 'put', 'legal-hold'] },
    { bucket: 'replicas', access: ['read', 'put', 'legal-hold'] },
    { checksumJobs: 'describe' },
  ],
  [task('fixity/find-untracked')]: [
    TABLE_READ_WRITE,
    { bucket: 'unpack', access: ['read'] },
    { bucket: 'primary', access: ['read'] },
    { bucket: 'replicas', access: ['read'] },
  ],
  [task('fixity/finish')]: [TABLE_READ_WRITE, { bucket: 'unpack', access: ['read', 'delete'] }],
  // Put: a CheckingChunks child keeps its chunk's failure in the run's work area for the report.
  [task('fixity/record-failure')]: [
    TABLE_READ_WRITE,
    { bucket: 'unpack', access: ['read', 'put', 'delete'] },
  ],
  // Started by EventBridge Scheduler, not by a route or a state machine.
  // Describe: a run whose execution died outside its Catch is ended, with its work area.
  [FIXITY_SWEEP_MODULE]: [
    TABLE_READ_WRITE,
    { stateMachine: 'fixity', actions: ['states:StartExecution', 'states:DescribeExecution'] },
    { bucket: 'unpack', access: ['read', 'delete'] },
  ],
  // Deletion workflow tasks: only delete-objects may delete stored objects or lift their holds.
  [task('deletion/prepare')]: [TABLE_READ_WRITE, { bucket: 'primary', access: ['read'] }],
  [task('deletion/delete-objects')]: [
    TABLE_READ_WRITE,
    { bucket: 'primary', access: ['read', 'delete', 'releaseHold'] },
    { bucket: 'replicas', access: ['read', 'delete', 'releaseHold'] },
  ],
  [task('deletion/finish')]: [TABLE_READ_WRITE],
  // Started by EventBridge Scheduler: restarts approved deletions whose workflow is not running.
  [DELETION_REDRIVE_MODULE]: [
    TABLE_READ_WRITE,
    { stateMachine: 'deletion', actions: ['states:StartExecution', 'states:DescribeExecution'] },
  ],
};

export interface AccessTargets {
  table: Table;
  buckets: StorageBuckets;
  stateMachines: Record<StateMachineName, StateMachine>;
  cursorSecret: ISecret;
  /** The role S3 Batch Operations assumes for fixity's Compute checksum jobs. */
  checksumBatchRole: Role;
}

/** Grants every built function exactly its needs; a function without an entry fails the synth. */
export function applyHandlerAccess(functions: HandlerFunctions, targets: AccessTargets): void {
  for (const [module, fn] of functions.all()) {
    const needs = HANDLER_ACCESS[module];
    if (!needs) throw new Error(`lib/handler-access.ts declares no access for lambdas/${module}.ts`);
    for (const need of needs) grantNeed(fn, need, targets);
  }
}

/** Grants one handler module's needs to another principal that runs it (the Fargate Unpack task). */
export function grantHandlerAccess(grantee: IGrantable, module: string, targets: AccessTargets): void {
  const needs = HANDLER_ACCESS[module];
  if (!needs) throw new Error(`lib/handler-access.ts declares no access for lambdas/${module}.ts`);
  for (const need of needs) grantNeed(grantee, need, targets);
}

function grantNeed(grantee: IGrantable, need: AccessNeed, targets: AccessTargets): void {
  if ('table' in need) {
    if (need.table === 'read') targets.table.grants.readData(grantee);
    else targets.table.grants.readWriteData(grantee);
  } else if ('secret' in need) {
    targets.cursorSecret.grantRead(grantee);
  } else if ('checksumJobs' in need) {
    grantChecksumJobs(grantee, need.checksumJobs, targets.checksumBatchRole);
  } else if ('bucket' in need) {
    for (const bucket of bucketsNamed(need.bucket, targets.buckets)) {
      for (const access of need.access) grantBucketAccess(grantee, bucket, access, targets.buckets);
    }
  } else {
    const stateMachine = targets.stateMachines[need.stateMachine];
    for (const action of need.actions) {
      // Starting targets the state machine; stopping targets its executions.
      if (action === 'states:StartExecution') stateMachine.grants.startExecution(grantee);
      else stateMachine.grants.execution(grantee, action);
    }
  }
}

function roleArnOf(grantee: IGrantable): string {
  const principal = grantee.grantPrincipal;
  if (!(principal instanceof Role))
    throw new Error('Only a role can be exempted from the storage buckets policy');
  return principal.roleArn;
}

function bucketsNamed(name: BucketName, buckets: StorageBuckets): Bucket[] {
  if (name === 'replicas') return buckets.replicas.map((replica) => replica.bucket);
  return [buckets[name]];
}

function grantBucketAccess(
  grantee: IGrantable,
  bucket: Bucket,
  access: BucketAccess,
  buckets: StorageBuckets,
): void {
  switch (access) {
    case 'read':
      bucket.grants.read(grantee);
      break;
    case 'put':
      // CreateMultipartUpload, UploadPart(Copy) and CompleteMultipartUpload are all s3:PutObject.
      bucket.grants.actionsOnObjectKeys(grantee, '*', 's3:PutObject', 's3:AbortMultipartUpload');
      break;
    case 'list-parts':
      bucket.grants.actionsOnObjectKeys(grantee, '*', 's3:ListMultipartUploadParts');
      break;
    case 'legal-hold':
      Grant.addToPrincipal({
        grantee,
        actions: ['s3:PutObjectLegalHold'],
        resourceArns: [bucket.arnForObjects('*')],
        // Belt and braces with the bucket policy's deny of OFF: this role can only put holds on.
        conditions: { StringEquals: { 's3:object-lock-legal-hold': 'ON' } },
      });
      break;
    case 'delete-unregistered':
      // GetObjectLegalHold: a version that refuses deletion is kept only when it is held.
      bucket.grants.actionsOnObjectKeys(
        grantee,
        '*',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:GetObjectLegalHold',
      );
      // Finding what to delete: ListObjectVersions (AWS), ListObjectsV2 (a store without versions).
      Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket', 's3:ListBucketVersions'],
        resourceArns: [bucket.bucketArn],
      });
      buckets.allowUnregisteredCleanupBy(roleArnOf(grantee));
      break;
    case 'delete':
      bucket.grants.delete(grantee);
      break;
    case 'restore':
      bucket.grants.actionsOnObjectKeys(grantee, '*', 's3:RestoreObject');
      break;
    case 'releaseHold':
      bucket.grants.actionsOnObjectKeys(grantee, '*', 's3:PutObjectLegalHold', 's3:DeleteObjectVersion');
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['s3:ListBucketVersions'], resources: [bucket.bucketArn] }),
      );
      break;
  }
}

function grantChecksumJobs(grantee: IGrantable, need: 'create' | 'describe', role: Role): void {
  const stack = Stack.of(role);
  if (need === 'describe') {
    Grant.addToPrincipal({
      grantee,
      actions: ['s3:DescribeJob'],
      resourceArns: [stack.formatArn({ service: 's3', resource: 'job', resourceName: '*' })],
    });
    return;
  }
  // CreateJob has no resource-level permissions; the condition allows only checksum jobs.
  Grant.addToPrincipal({
    grantee,
    actions: ['s3:CreateJob'],
    resourceArns: ['*'],
    conditions: { StringEquals: { 's3:RequestJobOperation': 'S3ComputeObjectChecksum' } },
  });
  Grant.addToPrincipal({
    grantee,
    actions: ['iam:PassRole'],
    resourceArns: [role.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': BATCH_OPERATIONS_SERVICE } },
  });
}
