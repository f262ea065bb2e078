import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../../aws-clients.ts';
import { config } from '../../config.ts';
import { apiHandler, callerOf, json, locationOf } from '../../http/api-handler.ts';
import { type Ingest, INGEST_EVENTS } from '../../ingests/ingest.ts';
import { parseIngestRequest } from '../../ingests/ingest-request.ts';
import { putNewIngest, recordEvent, updateIngest } from '../../ingests/ingest-repository.ts';

/** Execution name = ingest id, so Step Functions itself refuses a second workflow for one ingest. */
async function startWorkflow(ingest: Ingest): Promise<string> {
  try {
    const { executionArn } = await stepFunctions().send(
      new StartExecutionCommand({
        stateMachineArn: config().ingestStateMachineArn,
        name: ingest.id,
        input: JSON.stringify({ ingestId: ingest.id }),
      }),
    );
    return executionArn as string;
  } catch (error) {
    // Nothing would ever move the ingest on: say so on the record, then answer 500.
    await recordEvent(ingest.id, 'start-failed', INGEST_EVENTS.notStarted, { status: 'failed' });
    throw error;
  }
}

/**
 * POST /ingests: records the ingest as accepted and starts its workflow. Whether the source object
 * exists is the workflow's first question, not this handler's.
 */
export const handler = apiHandler(async (request) => {
  const ingest = await parseIngestRequest(request.body, callerOf(request));
  await putNewIngest(ingest);
  const executionArn = await startWorkflow(ingest);
  await updateIngest(ingest.id, { set: { executionArn } });
  // Absolute (SPEC §5): clients such as Wellcome's python client cannot follow a relative one.
  return json(201, ingest, locationOf(request, `/ingests/${ingest.id}`));
});
