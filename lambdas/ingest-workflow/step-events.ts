import { recordIngestOutcome } from '../ingests/ingest-metrics.ts';
import { type IngestRecord, recordEvent, requireIngest } from '../ingests/ingest-repository.ts';
import { type IngestStatus, startedEvent, succeededEvent } from '../ingests/ingest.ts';
import { cleanUnpackArea } from './unpack-area.ts';

/** Thrown by a step that finds its ingest cancelled: the Catch path then only cleans up. */
export class IngestCancelledError extends Error {
  constructor(id: string) {
    super(`Ingest ${id} was cancelled`);
    this.name = 'IngestCancelled';
  }
}

/** Thrown by a step that finds its ingest already failed (a parallel branch's task that was late). */
export class IngestEndedError extends Error {
  constructor(id: string) {
    super(`Ingest ${id} has already failed`);
    this.name = 'IngestEnded';
  }
}

/**
 * The ingest, unless it was cancelled or has failed: a running Lambda is not stopped by
 * StopExecution, nor by another branch's failure, and must not write after the cleanup.
 */
export async function activeIngest(id: string): Promise<IngestRecord> {
  const ingest = await requireIngest(id);
  if (ingest.status.id === 'cancelled') throw new IngestCancelledError(id);
  if (ingest.status.id === 'failed') throw new IngestEndedError(id);
  return ingest;
}

export async function startStep(id: string, step: string, key = step): Promise<void> {
  await recordEvent(id, `${key}#started`, startedEvent(step), { currentStep: step });
}

export async function succeedStep(id: string, step: string, detail?: string, key = step): Promise<void> {
  await recordEvent(id, `${key}#succeeded`, succeededEvent(step, detail));
}

/**
 * The success that ends the ingest: event and status `succeeded` in one write, only from `onlyFrom`
 * (so a failure recorded meanwhile stands), counted once in the ingest metrics.
 */
export async function finishIngest(
  id: string,
  step: string,
  detail: string | undefined,
  onlyFrom: IngestStatus[],
): Promise<void> {
  const recorded = await recordEvent(id, `${step}#succeeded`, succeededEvent(step, detail), {
    status: 'succeeded',
    onlyFrom,
  });
  if (recorded) recordIngestOutcome('succeeded');
}

/**
 * After a long step: a cancel that arrived meanwhile already cleaned the unpack area, but this step
 * kept writing to it (a running Lambda is not stopped), so clean again and stop here.
 */
export async function stopIfCancelled(ingest: IngestRecord): Promise<void> {
  const current = await requireIngest(ingest.id);
  if (current.status.id !== 'cancelled') return;
  await cleanUnpackArea(ingest.space.id, ingest.id);
  throw new IngestCancelledError(ingest.id);
}
