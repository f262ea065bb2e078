import { resolveCart } from '../../carts/resolve-cart.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(resolveCart);
