import { finishFixity } from '../../fixity/finish-run.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ runId }: { runId: string }) => {
  await finishFixity(runId);
  return null;
});
