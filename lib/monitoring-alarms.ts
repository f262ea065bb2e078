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

/**
 * When a count pages: in `of` consecutive periods of `minutes`, at least `periods` count one or more.
 * The default pages on the first count: each such metric is a failure nobody should wait to hear of.
 */
export interface AlarmPersistence {
  minutes: number;
  periods: number;
  of: number;
}

const FIRST_OCCURRENCE: AlarmPersistence = { minutes: 5, periods: 1, of: 1 };

/** Alarms when `metricName` counts one or more in enough periods (`persistence`); no data is no failure. */
export function countAlarm(
  scope: Construct,
  id: string,
  props: { metricName: string; description: string; topic: ITopic; persistence?: AlarmPersistence },
): Alarm {
  const persistence = props.persistence ?? FIRST_OCCURRENCE;
  const alarm = new Alarm(scope, id, {
    alarmDescription: props.description,
    metric: new Metric({
      namespace: 'Bagvault',
      metricName: props.metricName,
      dimensionsMap: METRIC_DIMENSIONS,
      statistic: 'Sum',
      period: Duration.minutes(persistence.minutes),
    }),
    threshold: 1,
    evaluationPeriods: persistence.of,
    datapointsToAlarm: persistence.periods,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(props.topic));
  return alarm;
}
