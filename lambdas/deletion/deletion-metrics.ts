import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../observability.ts';

/** A deletion workflow started again (by the re-drive or an operator) after a run that did not finish. */
export const DELETION_RESTARTED_METRIC = 'DeletionRestarted';
/** The metric the stack's alarm watches: a deletion the re-drive gave up on, waiting for an operator. */
export const DELETION_GAVE_UP_METRIC = 'DeletionNeedsOperator';
/**
 * Step Functions refused to start a deletion workflow, after the start's own tries (throttled, the
 * state machine missing, access denied): one per refused start. The stack alarms when it goes on.
 */
export const DELETION_START_FAILED_METRIC = 'DeletionStartFailed';

/** Published at once: the sweep is a scheduled invocation, not a request with an end to flush at. */
function count(metricName: string): void {
  metrics.addMetric(metricName, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

export const recordDeletionRestart = () => count(DELETION_RESTARTED_METRIC);
export const recordDeletionGaveUp = () => count(DELETION_GAVE_UP_METRIC);
export const recordDeletionStartFailed = () => count(DELETION_START_FAILED_METRIC);
