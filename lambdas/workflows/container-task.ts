import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../aws-clients.ts';
import { logger } from '../observability.ts';

/**
 * How a state machine hands a Task to a container (`arn:aws:states:::ecs:runTask.sync`): the Task's
 * input as JSON in one environment variable, and the Task's token in another, set by the ASL's
 * container overrides. The local runner reads the same variable to run the same handler in-process.
 */
export const TASK_INPUT_VARIABLE = 'BAGVAULT_TASK_INPUT';
export const TASK_TOKEN_VARIABLE = 'BAGVAULT_TASK_TOKEN';

export type TaskHandler = (input: unknown, context: unknown) => Promise<unknown>;

/** The Task input the container overrides carry (ECS RunTask's `Overrides`). */
export function taskInputOf(environment: Record<string, string | undefined>): unknown {
  const text = environment[TASK_INPUT_VARIABLE];
  if (!text) throw new Error(`The container task has no input: ${TASK_INPUT_VARIABLE} is not set`);
  return JSON.parse(text) as unknown;
}

/** Enough of a Lambda context for middy and Powertools, for a handler run as a container task. */
function containerContext(name: string) {
  return {
    functionName: name,
    functionVersion: 'container',
    invokedFunctionArn: '',
    memoryLimitInMB: process.env.BAGVAULT_TASK_MEMORY_MB ?? '0',
    awsRequestId: crypto.randomUUID(),
    logGroupName: '',
    logStreamName: '',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Number.MAX_SAFE_INTEGER,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Runs a workflow task handler as the body of an ECS task and answers the state machine through the
 * Task token: the handler's output on success; on failure the error's name and message, exactly as a
 * Lambda's would reach the Retry and Catch fields (a RefusalError keeps its reason, a TransientError
 * is retried). Returns the process exit code. A task that dies without answering still ends the
 * Task: `.sync` sees the ECS task stop.
 */
export async function runContainerTask(
  name: string,
  handler: TaskHandler,
  environment: Record<string, string | undefined> = process.env,
): Promise<number> {
  const taskToken = environment[TASK_TOKEN_VARIABLE];
  if (!taskToken) throw new Error(`The container task has no token: ${TASK_TOKEN_VARIABLE} is not set`);
  try {
    const output = await handler(taskInputOf(environment), containerContext(name));
    await stepFunctions().send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? null) }),
    );
    return 0;
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    logger.error('Container task failed', { task: name, error: failure });
    await stepFunctions().send(
      new SendTaskFailureCommand({
        taskToken,
        error: failure.name.slice(0, 256),
        cause: failure.message.slice(0, 32_768),
      }),
    );
    return 1;
  }
}
