/**
 * Alarms on counts the handlers publish as Powertools metrics (namespace Bagvault), each notifying the
 * one SNS topic operators subscribe to (lib/fixity-monitoring.ts creates it).
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** Powertools metrics carry the service as a dimension (observability.ts names it). */
const METRIC_DIMENSIONS = { service: 'bagvault' };

/** Alarms when `metricName` counts one or more in five minutes; no data is no failure. */
export function countAlarm(
  scope: Construct,
  id: string,
  props: { metricName: string; description: string; topic: ITopic },
): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmDescription: props.description,
    metric: new Metric({
      namespace: 'Bagvault',
      metricName: props.metricName,
      dimensionsMap: METRIC_DIMENSIONS,
      statistic: 'Sum',
      period: Duration.minutes(5),
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(props.topic));
  return alarm;
}
