import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, stepFunctions } from '../aws-clients.ts';
import { config } from '../config.ts';
import { logger } from '../observability.ts';
import {
  recordDeletionGaveUp,
  recordDeletionRestart,
  recordDeletionStartFailed,
} from './deletion-metrics.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { TABLE_KEYS } from '../table/keys.ts';
import { queryPages } from '../table/query-pages.ts';
import {
  type DeletionRequest,
  getMarker,
  getRequest,
  requestKey,
  statusPartition,
} from './deletion-records.ts';

/**
 * Starting (and re-starting) the deletion workflow of an approved request. Approval is recorded
 * before the workflow starts, so a failed StartExecution, a crash in between or an execution that
 * ran out of retries would leave the bag answering 409 forever; `redriveDeletion` finds such a
 * request and starts it again, until its tombstone is written or it has failed too often to go on
 * without an operator.
 *
 * Execution names come from the request id and its attempt (`{id}`, then `{id}-2`, …): a start is
 * idempotent (Step Functions answers a second start of a running execution with the same one), and
 * a new attempt gets a new name because a finished execution's name cannot be reused.
 */
export const executionName = (requestId: string, attempt: number) =>
  attempt <= 1 ? requestId : `${requestId}-${attempt}`;

const executionArnOf = (name: string) =>
  `${config().deletionStateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

const attemptOf = (request: DeletionRequest) => request.workflowAttempt ?? 1;

/** Tries a few times beyond the SDK's own retries: the approval is recorded, the start should follow. */
const START_TRIES = 3;

async function startExecution(requestId: string, attempt: number): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await stepFunctions().send(
        new StartExecutionCommand({
          stateMachineArn: config().deletionStateMachineArn,
          name: executionName(requestId, attempt),
          input: JSON.stringify({ requestId }),
        }),
      );
      return;
    } catch (error) {
      // Started already (by the approval or another re-drive): this attempt's execution exists.
      if ((error as Error).name === 'ExecutionAlreadyExists') return;
      if (tries === START_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** tries));
    }
  }
}

/**
 * Starts the execution of the attempt `request` is on. Never throws: the approval stands whatever
 * happens here. A start Step Functions refuses (throttled, the state machine missing, access denied)
 * loses nothing: the request stays approved on its attempt and the next sweep starts it once the
 * cause is gone. It is counted (the stack alarms when refusals go on
 * sweep after sweep) and noted on the request for its listing. It does not count toward
 * needsOperator: no run began, so there is nothing in the bag for an operator to look at; a start is
 * idempotent, so retrying it costs nothing; and once the cause is fixed (a redeploy, a restored
 * grant) every waiting deletion goes on by itself instead of each waiting to be approved again.
 */
export async function startDeletionWorkflow(request: DeletionRequest): Promise<boolean> {
  try {
    await startExecution(request.id, attemptOf(request));
  } catch (error) {
    recordDeletionStartFailed();
    logger.error('Step Functions refused to start the deletion workflow; the next re-drive tries again', {
      requestId: request.id,
      attempt: attemptOf(request),
      error: error as Error,
    });
    await noteStartRefused(request, error as Error);
    return false;
  }
  if (request.startRefused) await noteStartRefused(request);
  return true;
}

/**
 * Keeps `startRefused` on the request (or removes it once a start succeeds), on the attempt the caller
 * holds. Only the error's name is kept: the request is shown to approvers, and the message may name
 * roles and accounts (the log has it). Best effort: the metric and the log have said it already.
 */
async function noteStartRefused(request: DeletionRequest, error?: Error): Promise<void> {
  const refused = error && {
    times: (request.startRefused?.times ?? 0) + 1,
    date: new Date().toISOString(),
    error: error.name,
  };
  try {
    await (refused
      ? updateOnAttempt(request, 'SET startRefused = :refused', { ':refused': refused })
      : updateOnAttempt(request, 'REMOVE startRefused', {}));
  } catch (failure) {
    logger.warn('Could not note a refused deletion start on its request', {
      requestId: request.id,
      error: failure as Error,
    });
  }
}

async function executionStatus(name: string): Promise<string | undefined> {
  try {
    const { status } = await stepFunctions().send(
      new DescribeExecutionCommand({ executionArn: executionArnOf(name) }),
    );
    return status;
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

/**
 * Restarts the re-drive makes on its own after runs that used up their retries. A deletion that fails
 * this often fails for a reason a retry does not fix (a bucket policy denying DeleteObject, say):
 * restarting it every period forever would only hide it.
 */
export const MAX_REDRIVE_RESTARTS = 5;

const restartsOf = (request: DeletionRequest) => request.restarts ?? 0;

/**
 * Changes the request only if it is still approved and on the attempt the caller read: of two sweeps
 * (or a sweep and an operator) exactly one counts a restart, starts its execution or gives up.
 */
async function updateOnAttempt(
  request: DeletionRequest,
  update: string,
  values: Record<string, unknown>,
  condition?: string,
): Promise<boolean> {
  const onAttempt =
    '#status = :approved AND (workflowAttempt = :current OR (attribute_not_exists(workflowAttempt) AND :current = :one))';
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: requestKey(request.id),
        UpdateExpression: update,
        ConditionExpression: condition ? `${onAttempt} AND ${condition}` : onAttempt,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':current': attemptOf(request),
          ':one': 1,
          ':approved': 'approved',
          ...values,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The re-drive's restart: the next attempt, counted against the cap. */
const nextAttempt = (request: DeletionRequest) =>
  updateOnAttempt(
    request,
    'SET workflowAttempt = :next, restarts = :restarts',
    { ':next': attemptOf(request) + 1, ':restarts': restartsOf(request) + 1 },
    'attribute_not_exists(needsOperator)',
  );

/** An operator's restart (approving again): the next attempt, with the cap counted afresh. */
const operatorAttempt = (request: DeletionRequest) =>
  updateOnAttempt(request, 'SET workflowAttempt = :next, restarts = :none REMOVE needsOperator', {
    ':next': attemptOf(request) + 1,
    ':none': 0,
  });

/**
 * Stops re-driving: the request says why and what to do, and the bag keeps its marker (reads answer
 * 409) so nothing partly deleted looks stored, and nothing is undone.
 */
async function giveUp(request: DeletionRequest, execution: string, status: string): Promise<RedriveOutcome> {
  const runs = restartsOf(request) + 1;
  const needsOperator = {
    date: new Date().toISOString(),
    message:
      `The deletion workflow ran ${runs} times without finishing (last run ${execution}: ${status}), so it is no longer restarted on its own. ` +
      'The bag is left as it is: it answers 409 and may be partly deleted; nothing is restored or hidden. ' +
      "An operator should find the cause in that execution's history (a bucket policy that denies deleting, for example), fix it, and approve this request again to restart the deletion.",
  };
  if (
    !(await updateOnAttempt(
      request,
      'SET needsOperator = :needsOperator',
      { ':needsOperator': needsOperator },
      'attribute_not_exists(needsOperator)',
    ))
  )
    return 'raced';
  recordDeletionGaveUp();
  logger.error('Gave up re-driving a deletion: it needs an operator', {
    requestId: request.id,
    execution,
    status,
    runs,
  });
  return 'needs-operator';
}

export type RedriveOutcome =
  | 'not-approved'
  | 'done'
  | 'running'
  | 'started'
  | 'restarted'
  | 'start-refused'
  | 'raced'
  | 'needs-operator';

/**
 * Makes sure an approved request's deletion is on its way: nothing when its tombstone is written or
 * its execution runs; the same attempt when its execution never started; a new attempt when the
 * execution ended without writing the tombstone (every step is idempotent, so it resumes safely),
 * until `MAX_REDRIVE_RESTARTS`, after which the request waits for an operator. `operator`: the user
 * approving again, who restarts it whatever the count. 'start-refused': Step Functions refused the
 * start; the request keeps its attempt and the next sweep starts it (see `startDeletionWorkflow`).
 */
export async function redriveDeletion(requestId: string, operator?: string): Promise<RedriveOutcome> {
  const request = await getRequest(requestId);
  if (!request || request.status !== 'approved') return 'not-approved';
  const marker = await getMarker(request.space, request.externalIdentifier);
  if (request.completedDate || (marker?.state === 'deleted' && marker.requestId === request.id))
    return 'done';
  if (request.needsOperator && !operator) return 'needs-operator';
  const attempt = attemptOf(request);
  const execution = executionName(request.id, attempt);
  const status = await executionStatus(execution);
  if (status === 'RUNNING') return 'running';
  // One waiting for an operator gets a new attempt even if its run is gone (the local stack forgets them).
  if (status === undefined && !request.needsOperator) {
    if (!(await startDeletionWorkflow(request))) return 'start-refused';
    logger.warn('Started a deletion workflow that had never started', { requestId });
    return 'started';
  }
  if (!operator && restartsOf(request) >= MAX_REDRIVE_RESTARTS)
    return giveUp(request, execution, status ?? 'gone');
  if (!(await (operator ? operatorAttempt(request) : nextAttempt(request)))) return 'raced';
  recordDeletionRestart();
  // The request is on the next attempt now: a refused start leaves it there for the next sweep.
  if (!(await startDeletionWorkflow({ ...request, workflowAttempt: attempt + 1 }))) return 'start-refused';
  logger.warn('Restarted a deletion workflow that ended before its tombstone', {
    requestId,
    previous: status,
    attempt: attempt + 1,
    ...(operator ? { operator } : {}),
  });
  return 'restarted';
}

/**
 * Approved requests whose deletion has not completed. Deletions are rare (two people decide each),
 * so the approved list is small; the filter keeps only the unfinished.
 */
async function unfinishedApprovals(): Promise<string[]> {
  const ids: string[] = [];
  const pages = queryPages({
    TableName: config().tableName,
    IndexName: TABLE_KEYS.listIndex,
    KeyConditionExpression: '#pk = :approved',
    FilterExpression: 'attribute_not_exists(completedDate)',
    ExpressionAttributeNames: { '#pk': TABLE_KEYS.listPartitionKey },
    ExpressionAttributeValues: { ':approved': statusPartition('approved') },
  });
  for await (const page of pages) for (const item of page.Items ?? []) ids.push(item.id as string);
  return ids;
}

/** The re-drive sweep (a schedule in AWS, a timer and the start-up in the local stack). */
export async function redriveUnfinishedDeletions(): Promise<Record<string, RedriveOutcome>> {
  const outcomes: Record<string, RedriveOutcome> = {};
  for (const id of await unfinishedApprovals()) {
    try {
      outcomes[id] = await redriveDeletion(id);
    } catch (error) {
      // One that cannot be re-driven now must not stop the others: the next sweep tries again.
      logger.error('Could not re-drive a deletion', { requestId: id, error: error as Error });
    }
  }
  return outcomes;
}
