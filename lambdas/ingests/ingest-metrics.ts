import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../observability.ts';

/** One metric per finished ingest, by outcome, published at once (a workflow task has no request end). */
export function recordIngestOutcome(outcome: 'succeeded' | 'failed'): void {
  metrics.addMetric(outcome === 'succeeded' ? 'IngestSucceeded' : 'IngestFailed', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
