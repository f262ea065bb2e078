import { chunkFailureReason, keepChunkFailure, recordedChunkFailure } from '../../fixity/chunk-failures.ts';
import { failFixity } from '../../fixity/finish-run.ts';
import { MAP_RUN_FAILED, reasonFromCause } from '../../workflows/task-errors.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

interface FailureInput {
  runId: string;
  /** Set inside a CheckingChunks child: the chunk whose check failed, kept for the report. */
  chunk?: number;
  error?: { Error?: string; Cause?: string };
}

/**
 * Ends a run the workflow could not complete, naming the reason: a chunk's own, kept by the child
 * execution that caught it, when the parent saw only the failed Map Run.
 */
export const handler = workflowTask(async ({ runId, chunk, error = {} }: FailureInput) => {
  if (chunk !== undefined) {
    await keepChunkFailure(runId, { chunk, error });
    return null;
  }
  const kept = error.Error === MAP_RUN_FAILED ? await recordedChunkFailure(runId) : undefined;
  await failFixity(runId, kept ? chunkFailureReason(kept) : reasonFromCause(error.Cause ?? error.Error));
  return null;
});
