import { findUntracked } from '../../fixity/untracked.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ runId, location }: { runId: string; location: string }) => {
  await findUntracked(runId, location);
  return null;
});
