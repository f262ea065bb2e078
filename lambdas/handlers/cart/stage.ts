import { stageCart } from '../../carts/stage-cart.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(stageCart);
