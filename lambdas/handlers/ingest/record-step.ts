import type { CaughtError } from '../../ingest-workflow/failure.ts';
import { keepLocationFailure } from '../../ingest-workflow/location-failures.ts';
import { activeIngest, startStep, succeedStep } from '../../ingest-workflow/step-events.ts';
import { verificationMethod } from '../../ingest-workflow/replica-verifier.ts';
import { replicatingStep, verifyingReplicaStep } from '../../ingests/ingest.ts';
import { describeLocation, storageLocation } from '../../storage/locations.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

interface StepInput {
  ingestId: string;
  location: string;
  step: 'replicating' | 'verifying-replica';
  phase: 'started' | 'succeeded' | 'failed';
  /** With `failed`: the error a child execution caught (see location-failures.ts). */
  error?: CaughtError;
}

/**
 * Records the per-location step events around the Map states of the ingest workflow, and keeps the
 * reason a location's branch failed for the ingest's failure event.
 */
export const handler = workflowTask(async ({ ingestId, location, step, phase, error }: StepInput) => {
  if (phase === 'failed') {
    await keepLocationFailure(ingestId, { stage: step, location, error: error ?? {} });
    return null;
  }
  await activeIngest(ingestId);
  const name = describeLocation(location);
  const text = step === 'replicating' ? replicatingStep(name) : verifyingReplicaStep(name);
  if (phase === 'started') {
    await startStep(ingestId, text);
    return null;
  }
  const detail =
    step === 'verifying-replica' ? `verified by ${verificationMethod(storageLocation(location))}` : undefined;
  await succeedStep(ingestId, text, detail);
  return null;
});
