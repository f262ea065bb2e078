import { endFailedIngest } from '../../ingest-workflow/failure.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(endFailedIngest);
