/**
 * The deletion re-drive: EventBridge Scheduler invokes a sweep that starts again every approved
 * deletion whose workflow never started or ended before its tombstone (lambdas/deletion/
 * deletion-execution.ts), so no bag stays half-deleted, answering 409, for longer than a period.
 * A deletion that keeps failing is given up on after a few restarts; the alarm on that tells the
 * operators (the fixity alarm topic), who restart it by approving its request again. A deletion whose
 * workflow Step Functions keeps refusing to start is retried by every sweep; a second alarm tells the
 * operators, whose fix (the state machine, its role, a quota) lets the next sweep start it.
 */
import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  DELETION_GAVE_UP_METRIC,
  DELETION_START_FAILED_METRIC,
} from '../lambdas/deletion/deletion-metrics.ts';
import type { HandlerFunctions } from './handler-functions.ts';
import { DELETION_REDRIVE_MODULE } from './handler-modules.ts';
import { type AlarmPersistence, countAlarm } from './monitoring-alarms.ts';

/** Longer than one execution's own retries of a failing step take to give up is not needed: idle sweeps are one query. */
export const DELETION_REDRIVE_MINUTES = 15;

/**
 * A deletion the re-drive sweep cannot start is counted once per sweep (each sweep tries each request
 * once), so a start that keeps failing shows as a count in period after period, not as many in one:
 * "3 or more in 15 minutes" would only page when three deletions were refused at once, never for one
 * that is refused for hours. Paging when three of the last four sweep periods saw a refusal lets one
 * throttled sweep (or a burst of refusals within one) pass, pages within about an hour of a start that
 * keeps failing (a state machine gone, a denied start), and tolerates a sweep that fell into the
 * neighbouring period.
 */
const START_KEEPS_FAILING: AlarmPersistence = { minutes: DELETION_REDRIVE_MINUTES, periods: 3, of: 4 };

export class DeletionRedrive extends Construct {
  readonly schedule: Schedule;
  readonly alarm: Alarm;
  readonly startFailedAlarm: Alarm;

  constructor(scope: Construct, id: string, props: { functions: HandlerFunctions; alarmTopic: ITopic }) {
    super(scope, id);
    const sweep = props.functions.add(DELETION_REDRIVE_MODULE, 'workflow');
    this.schedule = new Schedule(this, 'Sweep', {
      description: 'Starts again every approved deletion whose workflow is not running and not finished',
      schedule: ScheduleExpression.rate(Duration.minutes(DELETION_REDRIVE_MINUTES)),
      target: new LambdaInvoke(sweep, { retryAttempts: 2 }),
    });
    this.alarm = countAlarm(this, 'NeedsOperator', {
      metricName: DELETION_GAVE_UP_METRIC,
      description:
        'A deletion kept failing and is no longer restarted; its bag answers 409 and may be partly deleted. Read GET /deletion-requests?status=approved (needsOperator) and the failed deletion executions, fix the cause, then approve the request again.',
      topic: props.alarmTopic,
    });
    this.startFailedAlarm = countAlarm(this, 'StartFailed', {
      metricName: DELETION_START_FAILED_METRIC,
      description:
        'Step Functions keeps refusing to start approved deletions (throttled, the deletion state machine missing, or its start denied); their bags answer 409 and no deletion run is under way. GET /deletion-requests?status=approved shows which (startRefused) and the re-drive log says why; fix the cause and the next sweep starts them.',
      topic: props.alarmTopic,
      persistence: START_KEEPS_FAILING,
    });
  }
}
