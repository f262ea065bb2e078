import { aggregate } from '../../ingest-workflow/aggregator.ts';
import { ingestStep } from '../../ingest-workflow/ingest-step.ts';
import { STEPS } from '../../ingests/ingest.ts';

export const handler = ingestStep(STEPS.aggregating, aggregate);
