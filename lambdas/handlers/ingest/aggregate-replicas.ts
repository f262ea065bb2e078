import { activeIngest, startStep, succeedStep } from '../../ingest-workflow/step-events.ts';
import { STEPS } from '../../ingests/ingest.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

/** Reached only when every location's replication and verification succeeded (the Map's contract). */
export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  await activeIngest(ingestId);
  await startStep(ingestId, STEPS.aggregating);
  await succeedStep(ingestId, STEPS.aggregating, 'all replicas complete');
  return null;
});
