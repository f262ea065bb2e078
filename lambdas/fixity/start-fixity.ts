import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../aws-clients.ts';
import { getVersion } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { NotFound } from '../errors.ts';
import { createRun, finishRun, type FixityRun } from './fixity-runs.ts';

/**
 * Records a fixity run of a registered version (the latest when none is named) and starts its
 * workflow; the execution is named by the run id, so Step Functions refuses a second one.
 */
export async function startFixity(
  space: string,
  externalIdentifier: string,
  version: string | undefined,
  requestedBy: FixityRun['requestedBy'],
): Promise<FixityRun> {
  const registered = await getVersion(space, externalIdentifier, version);
  if (!registered) {
    throw new NotFound(
      `Storage manifest ${space}/${externalIdentifier}${version ? ` ${version}` : ''} not found`,
    );
  }
  const run: FixityRun = {
    id: crypto.randomUUID(),
    space,
    externalIdentifier,
    version: registered.version,
    status: 'running',
    success: null,
    message: 'Fixity check in progress',
    createdDate: new Date().toISOString(),
    requestedBy,
    filesTotal: registered.fileCount,
    filesChecked: 0,
    locations: [],
  };
  await createRun(run);
  try {
    await stepFunctions().send(
      new StartExecutionCommand({
        stateMachineArn: config().fixityStateMachineArn,
        name: run.id,
        input: JSON.stringify({ runId: run.id }),
      }),
    );
  } catch (error) {
    await finishRun(run.id, {
      status: 'failed',
      success: false,
      message: 'Fixity check failed - the fixity workflow could not be started',
      finishedDate: new Date().toISOString(),
    });
    throw error;
  }
  return run;
}
