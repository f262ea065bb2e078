import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { runContainerTask } from '../../lambdas/workflows/container-task.ts';
import { RefusalError, TransientError } from '../../lambdas/workflows/task-errors.ts';

// SendTaskSuccess/SendTaskFailure: the local Step Functions server runs container tasks in-process
// and has no task tokens to answer, so these calls are shown against a mocked client.
describe('a workflow task run as a container', () => {
  const sfn = mockClient(SFNClient);
  const environment = { BAGVAULT_TASK_INPUT: '{"ingestId":"i-1"}', BAGVAULT_TASK_TOKEN: 'token-1' };

  it('answers the Task with the handler output, given the input the overrides carry', async () => {
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    const code = await runContainerTask('t', async (input) => ({ got: input }), environment);
    expect(code).toBe(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      output: '{"got":{"ingestId":"i-1"}}',
    });
  });

  it.each([
    [new RefusalError('Archive "x" is not gzip'), 'RefusalError'],
    [new TransientError('throttled'), 'TransientError'],
  ])('fails the Task with the error name Retry and Catch match on (%s)', async (error, name) => {
    sfn.reset();
    sfn.on(SendTaskFailureCommand).resolves({});
    const code = await runContainerTask('t', () => Promise.reject(error), environment);
    expect(code).toBe(1);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      error: name,
      cause: error.message,
    });
  });
});
