import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../observability.ts';
import { isTransient, TransientError } from './task-errors.ts';

/**
 * Wraps a state machine Task's domain call as a Lambda handler. Errors a retry can cure become
 * `TransientError` so the ASL's Retry (with backoff) takes them; other errors go to the Catch path.
 */
export function workflowTask<Input, Output>(task: (input: Input) => Promise<Output>) {
  return middy<Input, Output>()
    .use(injectLambdaContext(logger))
    .handler(async (input) => {
      try {
        return await task(input);
      } catch (error) {
        if (isTransient(error)) {
          logger.warn('Transient error in workflow task; the state machine will retry', {
            error: error as Error,
          });
          throw new TransientError((error as Error).message, { cause: error });
        }
        throw error;
      }
    });
}
