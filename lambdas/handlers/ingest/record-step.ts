import { activeIngest, startStep, succeedStep } from '../../ingest-workflow/step-events.ts';
import { verificationMethod } from '../../ingest-workflow/replica-verification.ts';
import { replicatingStep, verifyingReplicaStep } from '../../ingests/ingest.ts';
import { describeLocation, storageLocation } from '../../storage/locations.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

interface StepInput {
  ingestId: string;
  location: string;
  step: 'replicating' | 'verifying-replica';
  phase: 'started' | 'succeeded';
}

/** Records the per-location step events around the Map states of the ingest workflow. */
export const handler = workflowTask(async ({ ingestId, location, step, phase }: StepInput) => {
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
