import { recordIngestOutcome } from '../ingests/ingest-metrics.ts';
import { logger } from '../observability.ts';
import { releaseClaim } from '../bags/bag-registry.ts';
import { FINAL_STATUSES, failedEvent } from '../ingests/ingest.ts';
import { recordEvent, requireIngest } from '../ingests/ingest-repository.ts';
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
  const version = ingest.bag.info.version;
  if (version && ingest.status.id !== 'succeeded') {
    const { space, bag } = ingest;
    await releaseClaim(space.id, bag.info.externalIdentifier, versionNumber(version) as number, ingestId);
  }
  // Clean first: whoever sees the final status must find the unpack area empty.
  await cleanUnpackArea(ingest.space.id, ingestId);
  if (ingest.status.id === 'cancelled' || FINAL_STATUSES.includes(ingest.status.id)) return;
  const userFacing = USER_FACING.has(caught.Error ?? '');
  if (!userFacing) logger.error('Ingest failed unexpectedly', { ingestId, caught });
  const reason = userFacing
    ? reasonFromCause(caught.Cause)
    : `internal error (${caught.Error ?? 'unknown'}); the ingest can be retried`;
  const step = ingest.currentStep ?? 'Ingest';
  const recorded = await recordEvent(ingestId, `${step}#failed`, failedEvent(step, reason), {
    status: 'failed',
    onlyFrom: ['accepted', 'processing'],
  });
  if (recorded) recordIngestOutcome('failed');
}
