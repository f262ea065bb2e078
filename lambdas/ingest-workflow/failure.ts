import { claimsOf, getVersion, releaseClaim, retainClaim } from '../bags/bag-registry.ts';
import { recordIngestOutcome } from '../ingests/ingest-metrics.ts';
import { type IngestRecord, recordEvent, requireIngest } from '../ingests/ingest-repository.ts';
import {
  FAILURE_REASONS,
  FINAL_STATUSES,
  failedEvent,
  NO_STEP,
  replicatingStep,
  STEPS,
  verifyingReplicaStep,
} from '../ingests/ingest.ts';
import { logger } from '../observability.ts';
import { releaseQuota } from '../spaces/quota.ts';
import { describeLocation } from '../storage/locations.ts';
import { MAP_RUN_FAILED, reasonFromCause } from '../workflows/task-errors.ts';
import { completeRegistration } from './bag-register.ts';
import { finishIngest } from './step-events.ts';
import { removeUnregisteredVersion } from './storage-cleanup.ts';
import { recordedLocationFailure } from './location-failures.ts';
import { abortUnpackAreaUploads, cleanUnpackArea } from './unpack-area.ts';

export interface CaughtError {
  Error?: string;
  Cause?: string;
}

/** The execution statuses that end an ingest from outside its workflow (the EventBridge rule's). */
export const EXECUTION_END_STATUSES: readonly string[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/** How an execution ended outside its Catch, as the EventBridge rule passes it on. */
export interface ExecutionEnd {
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' | string;
  error?: string | null;
  cause?: string | null;
}

/** Errors of our own that carry a reason for the user; anything else is reported without internals. */
const USER_FACING = new Set(['RefusalError']);

function reasonOf(caught: CaughtError): string {
  if (USER_FACING.has(caught.Error ?? '')) return reasonFromCause(caught.Cause);
  return FAILURE_REASONS.internal(caught.Error ?? 'unknown');
}

/** The step that failed: the location branch's own when one recorded it, else the step the ingest last started. */
async function attribute(
  ingest: IngestRecord,
  caught: CaughtError,
): Promise<{ step: string; error: CaughtError }> {
  if (caught.Error === MAP_RUN_FAILED) {
    const failure = await recordedLocationFailure(ingest.id);
    if (failure) {
      const name = describeLocation(failure.location);
      const step = failure.stage === 'replicating' ? replicatingStep(name) : verifyingReplicaStep(name);
      return { step, error: failure.error };
    }
  }
  return { step: ingest.currentStep ?? NO_STEP, error: caught };
}

/**
 * Removes everything the ingest claimed or staged: the objects and unfinished multipart uploads under
 * its unregistered version in every location, its version claim (so the next ingest of the bag takes
 * that number), its quota reservation and its unpack area (uploads too). Idempotent, and safe to run more than once and late: it finds the
 * ingest's claims in the registry, so a claim taken by a later ingest is never touched.
 */
async function cleanUp(ingest: IngestRecord): Promise<void> {
  const space = ingest.space.id;
  const externalIdentifier = ingest.bag.info.externalIdentifier;
  const mine = (await claimsOf(space, externalIdentifier)).filter((claim) => claim.ingestId === ingest.id);
  for (const claim of mine) {
    if (claim.retained) continue;
    // Storage first, then the claim: while the claim stands no other ingest can write there.
    const { held } = await removeUnregisteredVersion(space, externalIdentifier, claim.version);
    if (held > 0) {
      // Held objects are never deleted, nor written over: the number stays taken.
      logger.error('Failed ingest left objects under legal hold; its version stays claimed', {
        ingestId: ingest.id,
        held,
      });
      await retainClaim(space, externalIdentifier, claim.version, ingest.id);
      continue;
    }
    await releaseClaim(space, externalIdentifier, claim.version, ingest.id);
  }
  await releaseQuota(space, ingest.id);
  await abortUnpackAreaUploads(space, ingest.id);
  await cleanUnpackArea(space, ingest.id);
}

/** The ingest's own version is registered: it is stored, and only Register's last writes are missing. */
async function registeredVersionOf(ingest: IngestRecord): Promise<boolean> {
  const version = ingest.bag.info.version;
  if (!version) return false;
  const registered = await getVersion(ingest.space.id, ingest.bag.info.externalIdentifier, version);
  return registered?.ingestId === ingest.id;
}

/** Completes what Register had done all but the end of: never cleaned, it ends `succeeded`. */
async function finishRegistered(ingest: IngestRecord): Promise<void> {
  const detail = await completeRegistration(ingest);
  await finishIngest(ingest.id, STEPS.registering, detail, ['accepted', 'processing']);
}

/**
 * Ends an ingest that went wrong, however it went wrong: cleans up first (whoever sees the final
 * status finds nothing left behind), then records `{step} failed - {reason}` with status `failed`.
 * A cancelled or otherwise finished ingest is only cleaned up; a succeeded one is left alone.
 */
async function endIngest(ingest: IngestRecord, step: string, reason: string): Promise<void> {
  if (ingest.status.id === 'succeeded') return;
  if (await registeredVersionOf(ingest)) {
    await finishRegistered(ingest);
    return;
  }
  await cleanUp(ingest);
  if (FINAL_STATUSES.includes(ingest.status.id)) return;
  const recorded = await recordEvent(ingest.id, `${step}#failed`, failedEvent(step, reason), {
    status: 'failed',
    onlyFrom: ['accepted', 'processing'],
  });
  if (recorded) recordIngestOutcome('failed');
}

/** The Catch path of the ingest workflow. */
export async function recordFailure(ingestId: string, caught: CaughtError): Promise<void> {
  const ingest = await requireIngest(ingestId);
  const { step, error } = await attribute(ingest, caught);
  if (!USER_FACING.has(error.Error ?? '') && !FINAL_STATUSES.includes(ingest.status.id))
    logger.error('Ingest failed unexpectedly', { ingestId, caught });
  await endIngest(ingest, step, reasonOf(error));
}

/** An execution that ended outside its Catch (AWS: the EventBridge rule on its status change). */
export async function recordExecutionEnd(ingestId: string, execution: ExecutionEnd): Promise<void> {
  const ingest = await requireIngest(ingestId);
  const reason =
    execution.status === 'TIMED_OUT'
      ? FAILURE_REASONS.timedOut
      : execution.status === 'ABORTED'
        ? FAILURE_REASONS.stopped
        : FAILURE_REASONS.workflowFailed(execution.error || 'unknown error');
  if (!FINAL_STATUSES.includes(ingest.status.id))
    logger.error('Ingest workflow ended outside its Catch', { ingestId, execution });
  await endIngest(ingest, ingest.currentStep ?? NO_STEP, reason);
}

/** An ingest whose workflow died with the process running it (the local stack, on its next start). */
export async function recordInterruption(ingestId: string): Promise<void> {
  const ingest = await requireIngest(ingestId);
  const step = ingest.currentStep ?? NO_STEP;
  await endIngest(ingest, step, FAILURE_REASONS.interrupted(step));
}

/**
 * The failure Task's input. Two callers: the workflow's Catch path (`error`), and, in AWS, the
 * EventBridge rule on the execution's FAILED/TIMED_OUT/ABORTED status (`execution`, lib/ingest-failure-rule.ts).
 */
export type FailureInput =
  { ingestId: string; error: CaughtError } | { ingestId: string; execution: ExecutionEnd };

/** Ends a failed ingest cleanly, however it is told of the failure. */
export async function endFailedIngest(input: FailureInput): Promise<null> {
  if ('execution' in input) await recordExecutionEnd(input.ingestId, input.execution);
  else await recordFailure(input.ingestId, input.error);
  return null;
}
