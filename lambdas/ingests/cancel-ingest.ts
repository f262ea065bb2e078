import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../aws-clients.ts';
import { config } from '../config.ts';
import { Conflict } from '../errors.ts';
import { cleanUnpackArea } from '../ingest-workflow/unpack-area.ts';
import { CANCELLABLE_STEPS, INGEST_EVENTS, STEPS } from './ingest.ts';
import {
  ConditionFailed,
  getIngest,
  type IngestRecord,
  recordEvent,
  updateIngest,
} from './ingest-repository.ts';

/**
 * The cancel rule as one conditional write: the ingest is still accepted or processing, and has not
 * started a step from "Assigning bag version" on. The workflow moves to that step with a condition
 * on the status, so exactly one of the two wins and a bag is never versioned after a cancel.
 */
const CANCEL_WINDOW = [
  '(#status.#id = :accepted OR #status.#id = :processing)',
  `(attribute_not_exists(currentStep) OR currentStep IN (${CANCELLABLE_STEPS.map((_, i) => `:step${i}`).join(', ')}))`,
].join(' AND ');

const windowValues = () => ({
  ':accepted': 'accepted',
  ':processing': 'processing',
  ...Object.fromEntries(CANCELLABLE_STEPS.map((step, i) => [`:step${i}`, step])),
});

/** `succeeded`, or `processing (at "Register")` when only the step closes the window. */
function stateOf(ingest: IngestRecord | undefined): string {
  const status = ingest?.status.id ?? 'gone';
  if ((status === 'accepted' || status === 'processing') && ingest?.currentStep) {
    return `${status} (at "${ingest.currentStep}"); ingests can be cancelled only before "${STEPS.assigningVersion}"`;
  }
  return status;
}

/** Step Functions names executions by ingest id, so the ARN is known even before it was stored. */
function executionArnOf(ingest: IngestRecord): string {
  const machine = config().ingestStateMachineArn;
  return ingest.executionArn ?? `${machine.replace(':stateMachine:', ':execution:')}:${ingest.id}`;
}

async function stopWorkflow(ingest: IngestRecord, user: string): Promise<void> {
  try {
    await stepFunctions().send(
      new StopExecutionCommand({
        executionArn: executionArnOf(ingest),
        cause: INGEST_EVENTS.cancelled(user),
      }),
    );
  } catch (error) {
    // Never started (or already gone): there is nothing to stop.
    if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
  }
}

/**
 * Cancels an ingest that has not reached "Assigning bag version": marks it cancelled, stops its
 * workflow, removes what it staged in the unpack area and records who cancelled it. Otherwise 409.
 */
export async function cancelIngest(ingest: IngestRecord, user: string): Promise<void> {
  try {
    await updateIngest(ingest.id, {
      set: { 'status.id': 'cancelled' },
      condition: CANCEL_WINDOW,
      values: windowValues(),
    });
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    throw new Conflict(`You cannot cancel an ingest that is ${stateOf(await getIngest(ingest.id))}`);
  }
  await stopWorkflow(ingest, user);
  await cleanUnpackArea(ingest.space.id, ingest.id);
  await recordEvent(ingest.id, 'cancel', INGEST_EVENTS.cancelled(user));
}
