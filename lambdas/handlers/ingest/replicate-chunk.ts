import { ingestTask } from '../../ingest-workflow/ingest-step.ts';
import { replicate } from '../../ingest-workflow/replicator.ts';

export const handler = ingestTask(replicate);
