import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../aws-clients.ts';
import { config } from '../config.ts';
import { failFixity } from './finish-run.ts';
import { runningRuns } from './fixity-runs.ts';

/** A run younger than this may not have its execution yet (it is recorded first, then started). */
const START_GRACE_MS = 5 * 60 * 1000;

const executionArnOf = (runId: string) =>
  `${config().fixityStateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;

async function executionStatus(runId: string): Promise<string | undefined> {
  try {
    const { status } = await stepFunctions().send(
      new DescribeExecutionCommand({ executionArn: executionArnOf(runId) }),
    );
    return status;
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

/**
 * Ends the runs whose execution died outside its Catch (timeout, history limit, a restart of the
 * local stack): they fail with the reason, so they neither stay "running" in a report nor hold a
 * place under the schedule's cap forever.
 */
export async function endAbandonedRuns(now: Date = new Date()): Promise<string[]> {
  const ended: string[] = [];
  for (const run of await runningRuns()) {
    if (now.getTime() - Date.parse(run.createdDate) < START_GRACE_MS) continue;
    const status = await executionStatus(run.id);
    if (status === 'RUNNING') continue;
    await failFixity(
      run.id,
      status === undefined
        ? 'its workflow no longer exists (it was never started, or the stack restarted)'
        : `its workflow ended (${status}) before the run was finished`,
    );
    ended.push(run.id);
  }
  return ended;
}
