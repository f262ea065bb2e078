import { bundleCart } from '../../carts/bundle-cart.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(bundleCart);
