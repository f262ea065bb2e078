import { prepareFixity } from '../../fixity/prepare-run.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(({ runId }: { runId: string }) => prepareFixity(runId));
