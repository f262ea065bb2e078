import { releaseClaim } from '../bags/bag-registry.ts';
import { FINAL_STATUSES, failedEvent } from '../ingests/ingest.ts';
import { ConditionFailed, recordEvent, requireIngest, updateIngest } from '../ingests/ingest-repository.ts';
import { versionNumber } from '../storage/storage-layout.ts';
import { reasonFromCause } from '../workflows/task-errors.ts';
import { cleanUnpackArea } from './unpack-area.ts';

export interface CaughtError {
  Error?: string;
  Cause?: string;
}

/** Errors of our own that carry a reason for the user; anything else is reported without internals. */
const USER_FACING = new Set(['RefusalError']);

/**
 * The Catch path: marks the ingest failed with `{step} failed - {reason}`, gives back a claimed
 * version, and empties the unpack area. A cancelled ingest is only cleaned up.
 */
export async function recordFailure(ingestId: string, caught: CaughtError): Promise<void> {
  const ingest = await requireIngest(ingestId);
  if (ingest.status.id !== 'cancelled' && !FINAL_STATUSES.includes(ingest.status.id)) {
    const reason = USER_FACING.has(caught.Error ?? '')
      ? reasonFromCause(caught.Cause)
      : `internal error (${caught.Error ?? 'unknown'}); the ingest can be retried`;
    const step = ingest.currentStep ?? 'Ingest';
    try {
      await updateIngest(ingestId, {
        set: { 'status.id': 'failed' },
        condition: '#status.#id IN (:accepted, :processing)',
        values: { ':accepted': 'accepted', ':processing': 'processing' },
      });
      await recordEvent(ingestId, `${step}#failed`, failedEvent(step, reason), { status: 'failed' });
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
    }
  }
  const version = ingest.bag.info.version;
  if (version && ingest.status.id !== 'succeeded') {
    await releaseClaim(
      ingest.space.id,
      ingest.bag.info.externalIdentifier,
      versionNumber(version) as number,
      ingestId,
    );
  }
  await cleanUnpackArea(ingest.space.id, ingestId);
}
