import { deliverCallback } from '../../ingest-workflow/notifier.ts';
import { requireIngest } from '../../ingests/ingest-repository.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  await deliverCallback(await requireIngest(ingestId));
  return null;
});
