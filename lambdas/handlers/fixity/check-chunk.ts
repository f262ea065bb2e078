import { checkChunk } from '../../fixity/check-chunk.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ runId, chunk }: { runId: string; chunk: number }) => {
  await checkChunk(runId, chunk);
  return null;
});
