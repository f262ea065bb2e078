import { checkRestores } from '../../carts/check-restores.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(checkRestores);
