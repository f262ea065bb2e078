import { recordLocationStep } from '../../ingest-workflow/location-steps.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(recordLocationStep);
