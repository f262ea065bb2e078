import { collectChecksums } from '../../fixity/batch-checksums.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(({ runId }: { runId: string }) => collectChecksums(runId));
