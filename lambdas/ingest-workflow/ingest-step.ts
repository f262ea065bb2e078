import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { workflowTask } from '../workflows/workflow-task.ts';
import { activeIngest, finishIngest, startStep, stopIfCancelled, succeedStep } from './step-events.ts';

/** What a step's work hands back: the Task's output for the state machine, and its success detail. */
export interface StepResult<Output> {
  output: Output;
  /** The text after "{step} succeeded - " (lambdas/ingests/ingest.ts STEP_DETAILS). */
  detail?: string;
}

export type StepWork<Input, Output> = (ingest: IngestRecord, input: Input) => Promise<StepResult<Output>>;

export interface StepOptions {
  /** Runs before the start event: Assigning bag version closes the cancel window first. */
  enter?: (ingest: IngestRecord) => Promise<void>;
  /**
   * The work writes to the unpack area, which a cancel empties: a running Lambda is not stopped by
   * StopExecution, so after the work the step cleans again and stops (step-events.ts stopIfCancelled).
   */
  cancellable?: boolean;
  /** The step goes on in the next Task (Measuring the archive opens Unpacking): no success event. */
  continues?: boolean;
  /** The step's success ends the ingest (Register): its event sets the status `succeeded`. */
  finishes?: boolean;
}

type IngestInput = { ingestId: string };

/**
 * One ingest workflow step as a Task handler, Wellcome's one worker per step: the ingest, unless it
 * was cancelled or failed meanwhile → "{step} started" → the work → the cancel check → "{step}
 * succeeded - {detail}" → the work's output to the state machine. Events are keyed, so a retried
 * Task records each once. A step that `finishes` the ingest does nothing once it has succeeded.
 */
export function ingestStep<Input, Output>(
  step: string,
  work: StepWork<Input, Output>,
  options: StepOptions = {},
) {
  return workflowTask(async (input: Input & IngestInput): Promise<Output | null> => {
    const ingest = await activeIngest(input.ingestId);
    if (options.finishes && ingest.status.id === 'succeeded') return null;
    await options.enter?.(ingest);
    await startStep(ingest.id, step);
    const { output, detail } = await work(ingest, input);
    if (options.cancellable) await stopIfCancelled(ingest);
    if (options.finishes) await finishIngest(ingest.id, step, detail, ['processing']);
    else if (!options.continues) await succeedStep(ingest.id, step, detail);
    return output;
  });
}

/**
 * A Task inside a step that others open and close around it (the per-chunk Tasks of the
 * replication and verification Maps; their events are the location's, record-step's): the ingest,
 * unless it was cancelled or failed meanwhile, then the work. Returns nothing to the state machine.
 */
export function ingestTask<Input>(work: (ingest: IngestRecord, input: Input) => Promise<void>) {
  return workflowTask(async (input: Input & IngestInput): Promise<null> => {
    await work(await activeIngest(input.ingestId), input);
    return null;
  });
}
