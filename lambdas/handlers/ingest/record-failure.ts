import {
  type CaughtError,
  type ExecutionEnd,
  recordExecutionEnd,
  recordFailure,
} from '../../ingest-workflow/failure.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

/**
 * Ends a failed ingest cleanly. Two callers: the workflow's Catch path (`error`), and, in AWS, the
 * EventBridge rule on the execution's FAILED/TIMED_OUT/ABORTED status (`execution`, lib/ingest-failure-rule.ts).
 */
type Input = { ingestId: string; error: CaughtError } | { ingestId: string; execution: ExecutionEnd };

export const handler = workflowTask(async (input: Input) => {
  if ('execution' in input) await recordExecutionEnd(input.ingestId, input.execution);
  else await recordFailure(input.ingestId, input.error);
  return null;
});
