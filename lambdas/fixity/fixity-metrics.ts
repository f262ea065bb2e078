import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../observability.ts';

/** The metric the stack's alarm watches: copies a run left bad (or a run that could not check). */
export const UNREPAIRED_METRIC = 'FixityUnrepairedFailures';

/** One data point per finished run, published at once (a workflow task has no request end). */
export function recordFixityOutcome(unrepaired: number): void {
  metrics.addMetric('FixityRuns', MetricUnit.Count, 1);
  metrics.addMetric(UNREPAIRED_METRIC, MetricUnit.Count, unrepaired);
  metrics.publishStoredMetrics();
}
