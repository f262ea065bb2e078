/**
 * Restore completion of cart files is driven by S3 events (issue 11 item 4): the storage buckets
 * send their events to EventBridge (lib/storage-buckets.ts), and this rule hands each
 * "Object Restore Completed" of those buckets to the handler that counts the waiting carts down
 * (lambdas/carts/restore-waiters.ts). The cart workflow then reads one count between waits instead
 * of looking at every file.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RESTORE_COMPLETED } from '../lambdas/carts/restore-event.ts';

export interface CartRestoreRuleProps {
  /** The buckets whose cold copies carts restore: primary and replicas. */
  buckets: readonly IBucket[];
  handler: IFunction;
}

export class CartRestoreRule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: CartRestoreRuleProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: 'Counts down the carts waiting for a restore from cold storage when S3 finishes it',
      eventPattern: {
        source: ['aws.s3'],
        detailType: [RESTORE_COMPLETED],
        detail: { bucket: { name: props.buckets.map((bucket) => bucket.bucketName) } },
      },
    });
    // A missed event only delays a cart (its workflow looks at every file again after a while),
    // but each retry costs little: retried for the day.
    this.rule.addTarget(
      new LambdaFunction(props.handler, { retryAttempts: 185, maxEventAge: Duration.hours(24) }),
    );
  }
}
