import { notify } from '../../ingest-workflow/notifier.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(notify);
