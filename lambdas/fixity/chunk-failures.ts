import { z } from 'zod';
import { config } from '../config.ts';
import { parseStored } from '../schemas/problems.ts';
import { getJson, isMissingObject, putJson } from '../storage/s3-objects.ts';
import { reasonFromCause } from '../workflows/task-errors.ts';
import { fixityWorkPrefix } from './fixity-plan.ts';

/**
 * Why a chunk of a fixity run could not be checked. Chunks run in child executions of a Distributed
 * Map, and a failed Map Run tells the parent only `States.ExceedToleratedFailureThreshold`: the
 * child that caught the error keeps it here, in the run's work area, for the run's report.
 */
const chunkFailureSchema = z.object({
  chunk: z.number(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});
export type ChunkFailure = z.output<typeof chunkFailureSchema>;

const failureKey = (runId: string) => `${fixityWorkPrefix(runId)}failures/chunk.json`;

export async function recordedChunkFailure(runId: string): Promise<ChunkFailure | undefined> {
  let stored: unknown;
  try {
    stored = await getJson<unknown>(config().unpackBucket, failureKey(runId));
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
  return parseStored('fixity chunk failure', stored, chunkFailureSchema);
}

/** Keeps the first failure: later chunks failing for the same cause add nothing. */
export async function keepChunkFailure(runId: string, failure: ChunkFailure): Promise<void> {
  if (await recordedChunkFailure(runId)) return;
  await putJson(config().unpackBucket, failureKey(runId), failure);
}

/** The report's reason for a chunk's failure. */
export const chunkFailureReason = ({ chunk, error }: ChunkFailure) =>
  `chunk ${chunk} could not be checked: ${reasonFromCause(error.Cause ?? error.Error)}`;
