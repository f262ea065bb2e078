import { type CaughtError, recordFailure } from '../../ingest-workflow/failure.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ ingestId, error }: { ingestId: string; error: CaughtError }) => {
  await recordFailure(ingestId, error);
  return null;
});
