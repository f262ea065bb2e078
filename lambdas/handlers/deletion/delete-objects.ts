import { deleteFromLocation } from '../../deletion/deletion-workflow.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(deleteFromLocation);
