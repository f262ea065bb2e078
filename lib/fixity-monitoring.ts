/**
 * Fixity in AWS beyond the workflow itself: EventBridge Scheduler starts the sweep that checks the
 * most overdue bags, and a CloudWatch alarm on unrepaired fixity failures notifies an SNS topic that
 * operators subscribe to (the stack outputs its ARN; the deletion re-drive's alarm notifies it too).
 */
import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { UNREPAIRED_METRIC } from '../lambdas/fixity/fixity-metrics.ts';
import type { HandlerFunctions } from './handler-functions.ts';
import { FIXITY_SWEEP_MODULE } from './handler-modules.ts';
import { countAlarm } from './monitoring-alarms.ts';

export interface FixityMonitoringProps {
  functions: HandlerFunctions;
  sweepMinutes: number;
}

export class FixityMonitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly alarm: Alarm;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: FixityMonitoringProps) {
    super(scope, id);
    // CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key: a key of our own.
    const key = new Key(this, 'AlarmTopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the Bagvault alarm topic',
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Bagvault alarms',
      masterKey: key,
      enforceSSL: true,
    });
    this.alarm = countAlarm(this, 'UnrepairedFailures', {
      metricName: UNREPAIRED_METRIC,
      description:
        'A fixity run left a copy bad (no verified copy to repair it from, or not checkable), or could not run: read the run report (GET /fixity/{id}) and the bag events.',
      topic: this.alarmTopic,
    });

    const sweep = props.functions.add(FIXITY_SWEEP_MODULE, 'workflow');
    this.schedule = new Schedule(this, 'Sweep', {
      description: 'Starts fixity checks of the bags whose last check is oldest',
      schedule: ScheduleExpression.rate(Duration.minutes(props.sweepMinutes)),
      target: new LambdaInvoke(sweep, { retryAttempts: 2 }),
    });
  }
}
