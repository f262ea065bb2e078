import { replicatingStep, STEP_DETAILS, verifyingReplicaStep } from '../ingests/ingest.ts';
import { describeLocation, storageLocation } from '../storage/locations.ts';
import type { CaughtError } from './failure.ts';
import { keepLocationFailure } from './location-failures.ts';
import { verificationMethod } from './replica-verifier.ts';
import { activeIngest, startStep, succeedStep } from './step-events.ts';

export interface LocationStepInput {
  ingestId: string;
  location: string;
  step: 'replicating' | 'verifying-replica';
  phase: 'started' | 'succeeded' | 'failed';
  /** With `failed`: the error a child execution caught (see location-failures.ts). */
  error?: CaughtError;
}

/**
 * The per-location steps ("Replicating to {location}", "Verification ({location})") have their
 * events recorded by Tasks around their Map states, not by the chunk Tasks inside them; a failed
 * location keeps its reason for the ingest's failure event.
 */
export async function recordLocationStep({
  ingestId,
  location,
  step,
  phase,
  error,
}: LocationStepInput): Promise<null> {
  if (phase === 'failed') {
    await keepLocationFailure(ingestId, { stage: step, location, error: error ?? {} });
    return null;
  }
  await activeIngest(ingestId);
  const name = describeLocation(location);
  const text = step === 'replicating' ? replicatingStep(name) : verifyingReplicaStep(name);
  if (phase === 'started') await startStep(ingestId, text);
  else
    await succeedStep(
      ingestId,
      text,
      step === 'verifying-replica'
        ? STEP_DETAILS.replicaVerified(verificationMethod(storageLocation(location)))
        : undefined,
    );
  return null;
}
