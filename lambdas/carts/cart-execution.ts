import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../aws-clients.ts';
import { config } from '../config.ts';
import type { CartIncarnation } from './cart-record.ts';

/** Step Functions execution names are at most 80 characters; a cart id may have 128. */
export function executionNameFor(cartId: string): string {
  return `${cartId.slice(0, 43)}-${crypto.randomUUID()}`;
}

/**
 * What every cart task receives: the cart's user and id from the execution input, the execution's
 * name from its context (statemachines/cart.asl.json).
 */
export type CartTaskInput = CartIncarnation;

export async function startCartExecution({ user, cartId, executionName }: CartIncarnation): Promise<string> {
  const { executionArn } = await stepFunctions().send(
    new StartExecutionCommand({
      stateMachineArn: config().cartStateMachineArn,
      name: executionName,
      input: JSON.stringify({ user, cartId }),
    }),
  );
  if (!executionArn) throw new Error('StartExecution returned no execution ARN');
  return executionArn;
}

/** An execution's ARN follows from its state machine and name (a cart deleted just after POST has none yet). */
export function executionArnOf(executionName: string): string {
  return `${config().cartStateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

/** Stops a cart's execution; one that has finished or never started needs nothing. */
export async function stopCartExecution(executionArn: string): Promise<void> {
  try {
    await stepFunctions().send(new StopExecutionCommand({ executionArn, cause: 'The cart was deleted.' }));
  } catch (error) {
    if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
  }
}
