import { config } from '../config.ts';
import { getJson, isMissingObject, putJson } from '../storage/s3-objects.ts';
import type { CaughtError } from './failure.ts';
import { locationFailureKey } from './work-area.ts';

/**
 * Why a location's branch of the ingest failed. The branches and their chunks run as child
 * executions of Distributed Maps, and a failed Map Run tells the parent only
 * `States.ExceedToleratedFailureThreshold`: the child that caught the error keeps it here, in the
 * work area, for the ingest's failure event to name the step, the location and the reason.
 */
export interface LocationFailure {
  stage: 'replicating' | 'verifying-replica';
  location: string;
  error: CaughtError;
}

export async function recordedLocationFailure(ingestId: string): Promise<LocationFailure | undefined> {
  try {
    return await getJson<LocationFailure>(config().unpackBucket, locationFailureKey(ingestId));
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/**
 * Keeps the first failure: a chunk's own error is recorded before its location's branch sees only
 * the failed Map Run, and that branch's record must not replace it.
 */
export async function keepLocationFailure(ingestId: string, failure: LocationFailure): Promise<void> {
  if (await recordedLocationFailure(ingestId)) return;
  await putJson(config().unpackBucket, locationFailureKey(ingestId), failure);
}
