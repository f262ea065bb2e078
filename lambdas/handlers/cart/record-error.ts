import { recordCartError } from '../../carts/record-cart-error.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(recordCartError);
