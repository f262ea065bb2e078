import { failFixity } from '../../fixity/finish-run.ts';
import { reasonFromCause } from '../../workflows/task-errors.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(
  async ({ runId, error }: { runId: string; error?: { Error?: string; Cause?: string } }) => {
    await failFixity(runId, reasonFromCause(error?.Cause ?? error?.Error));
    return null;
  },
);
