import { STEP_DETAILS } from '../ingests/ingest.ts';
import type { StepResult } from './ingest-step.ts';

/**
 * Aggregating replicas: reached only when every location's replication and verification succeeded
 * (the Map's contract), so there is nothing left to check, only to say so.
 */
export async function aggregate(): Promise<StepResult<null>> {
  return { output: null, detail: STEP_DETAILS.replicasComplete };
}
