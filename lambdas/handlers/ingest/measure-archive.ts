import { activeIngest, startStep } from '../../ingest-workflow/step-events.ts';
import { measureArchive } from '../../ingest-workflow/unpacker.ts';
import { STEPS } from '../../ingests/ingest.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

/** Opens Unpacking: is the archive there, and is it big enough to unpack on Fargate? */
export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  const ingest = await activeIngest(ingestId);
  await startStep(ingestId, STEPS.unpacking);
  return measureArchive(ingest);
});
