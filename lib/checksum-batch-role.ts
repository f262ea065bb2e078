/**
 * The role S3 Batch Operations assumes for the fixity workflow's "Compute checksum" jobs (issue 9):
 * it reads the stored objects whose SHA-256 it computes (no restore, no write), the job's manifest
 * in the fixity runs' work area, and writes the completion report there. Nothing else.
 */
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { StorageBuckets } from './storage-buckets.ts';

/** Where fixity runs keep their work (lambdas/fixity/fixity-plan.ts: `.work/fixity-{runId}/`). */
export const FIXITY_WORK_OBJECTS = '.work/fixity-*';

export const BATCH_OPERATIONS_SERVICE = 'batchoperations.s3.amazonaws.com';

export class ChecksumBatchRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: { buckets: StorageBuckets }) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal(BATCH_OPERATIONS_SERVICE),
      description: 'Bagvault fixity: S3 Batch Operations computes SHA-256 checksums of cold copies',
    });
    const work = props.buckets.unpack.arnForObjects(FIXITY_WORK_OBJECTS);
    Grant.addToPrincipal({
      grantee: this.role,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: [work, ...props.buckets.storageBuckets().map((bucket) => bucket.arnForObjects('*'))],
    });
    Grant.addToPrincipal({ grantee: this.role, actions: ['s3:PutObject'], resourceArns: [work] });
  }
}
