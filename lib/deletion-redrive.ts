/**
 * The deletion re-drive: EventBridge Scheduler invokes a sweep that starts again every approved
 * deletion whose workflow never started or ended before its tombstone (lambdas/deletion/
 * deletion-execution.ts), so no bag stays half-deleted, answering 409, for longer than a period.
 */
import { Duration } from 'aws-cdk-lib';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { HandlerFunctions } from './handler-functions.ts';
import { DELETION_REDRIVE_MODULE } from './handler-modules.ts';

/** Longer than one execution's own retries of a failing step take to give up is not needed: idle sweeps are one query. */
export const DELETION_REDRIVE_MINUTES = 15;

export class DeletionRedrive extends Construct {
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: { functions: HandlerFunctions }) {
    super(scope, id);
    const sweep = props.functions.add(DELETION_REDRIVE_MODULE, 'workflow');
    this.schedule = new Schedule(this, 'Sweep', {
      description: 'Starts again every approved deletion whose workflow is not running and not finished',
      schedule: ScheduleExpression.rate(Duration.minutes(DELETION_REDRIVE_MINUTES)),
      target: new LambdaInvoke(sweep, { retryAttempts: 2 }),
    });
  }
}
