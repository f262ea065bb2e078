import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { canUseSpace, hasRole, type Principal } from '../auth/principal.ts';
import { dynamo } from '../aws-clients.ts';
import { allRegisteredVersions, claimsOf, getVersion } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { Conflict, Forbidden, Gone, NotFound } from '../errors.ts';
import { parseRequest } from '../schemas/problems.ts';
import { object, text } from '../schemas/request-fields.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { recordDeletionEvent } from './bag-events.ts';
import { redriveDeletion, startDeletionWorkflow } from './deletion-execution.ts';
import {
  type DeletionRequest,
  type DeletionStatus,
  getMarker,
  getRequest,
  listRequests,
  markerKey,
  requestKey,
  statusPartition,
} from './deletion-records.ts';

export const REQUEST_CREATED = 'Delete request created successfully.';
export const REQUEST_EXISTS = 'A deletion request already exists for this bag.';

const MAX_REASON = 2000;
/** The body of `POST /bags/{space}/{id}/deletion-requests`. */
export const deletionRequestBodySchema = object({
  reason: text((reason) =>
    reason.length > MAX_REASON ? `must be at most ${MAX_REASON} characters.` : undefined,
  ),
});

const tableName = () => config().tableName;

export type RequestOutcome = { created: true; id: string } | { created: false };

/**
 * Opens a deletion request for a stored bag. The bag's marker is written first, conditionally, so of
 * two concurrent requests exactly one is created and the other is told one exists.
 */
export async function requestDeletion(
  caller: Principal,
  space: string,
  externalIdentifier: string,
  body: unknown,
): Promise<RequestOutcome> {
  const { reason } = parseRequest(body, deletionRequestBodySchema);
  const bag = canUseSpace(caller, space) ? await getVersion(space, externalIdentifier) : undefined;
  const marker = bag ? undefined : await getMarkerIfVisible(caller, space, externalIdentifier);
  if (marker?.state === 'deleted') throw new Gone(`Bag ${space}/${externalIdentifier} was deleted`);
  if (!bag && !marker) throw new NotFound(`Storage manifest ${space}/${externalIdentifier} not found`);
  const request: DeletionRequest = {
    type: 'DeletionRequest',
    id: randomUUID(),
    space,
    externalIdentifier,
    reason,
    status: 'open',
    requestedBy: caller.user,
    requestedDate: new Date().toISOString(),
  };
  if (!(await claimBag(request))) {
    const existing = await getMarker(space, externalIdentifier);
    if (existing?.state === 'deleted') throw new Gone(`Bag ${space}/${externalIdentifier} was deleted`);
    // A rejection that stopped before removing its marker would otherwise block the bag for good.
    const holder = existing ? await getRequest(existing.requestId) : undefined;
    if (existing?.state === 'requested' && !holder && existing.request) await putRequest(existing.request);
    const stale = existing?.state === 'requested' && holder?.status === 'rejected';
    if (!stale || !(await releaseMarker(request.space, request.externalIdentifier, existing.requestId)))
      return { created: false };
    if (!(await claimBag(request))) return { created: false };
  }
  await putRequest(request);
  await recordDeletionEvent(space, externalIdentifier, request.id, {
    type: 'deletion request',
    agent: { type: 'user', id: caller.user },
    description: `Deletion requested: ${reason}`,
    date: request.requestedDate,
  });
  return { created: true, id: request.id };
}

/**
 * The bag's marker, written first and conditionally: of two concurrent requests exactly one claims
 * the bag. It carries the request, so a request item lost to a crash is written again from it.
 */
async function claimBag(request: DeletionRequest): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...markerKey(request.space, request.externalIdentifier),
          state: 'requested',
          requestId: request.id,
          request,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

async function putRequest(request: DeletionRequest): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...requestKey(request.id), ...listingOf(request), ...request },
    }),
  );
}

/** Removes the bag's marker if it still belongs to `requestId` and the bag is not being deleted. */
async function releaseMarker(space: string, externalIdentifier: string, requestId: string): Promise<boolean> {
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: markerKey(space, externalIdentifier),
        ConditionExpression: 'requestId = :id AND #state = :requested',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':id': requestId, ':requested': 'requested' },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Approval moves the bag to `deleting` (idempotent; the workflow's first step does it again). */
export async function markDeleting(
  space: string,
  externalIdentifier: string,
  requestId: string,
): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: markerKey(space, externalIdentifier),
        UpdateExpression: 'SET #state = :deleting',
        ConditionExpression: 'requestId = :id AND #state = :requested',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':deleting': 'deleting', ':requested': 'requested', ':id': requestId },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

async function getMarkerIfVisible(caller: Principal, space: string, externalIdentifier: string) {
  return canUseSpace(caller, space) ? getMarker(space, externalIdentifier) : undefined;
}

const listingOf = (request: DeletionRequest) => ({
  gsi1pk: statusPartition(request.status),
  gsi1sk: `${request.requestedDate}#${request.id}`,
});

/** A request the caller may see (its bag's space), else NotFound. */
export async function visibleRequest(caller: Principal, id: string): Promise<DeletionRequest> {
  const request = await getRequest(id);
  if (!request || !canUseSpace(caller, request.space))
    throw new NotFound(`Deletion request not found: ${id}`);
  return request;
}

export async function visibleRequests(
  caller: Principal,
  status: DeletionStatus,
  limit: number,
  cursor?: string,
) {
  return listRequests(status, {
    limit,
    cursor,
    // Bound to the key's spaces too: a cursor never carries over to a key that sees other spaces.
    caller: `${caller.user}:${caller.spaces.join(',')}`,
    keep: (request) => canUseSpace(caller, request.space),
  });
}

export type Decision = 'approve' | 'reject';

/**
 * The second person's decision. The requester may not decide their own request (two people, always);
 * the request must still be open. Approval moves the bag to `deleting`, then starts the deletion
 * workflow (named after the request, so a repeated start is the same execution). Approving an
 * approved request whose deletion has not finished starts its workflow again if it is not running
 * (a failed start or a failed execution must never leave the bag stuck); it is also how an operator
 * restarts a deletion the re-drive gave up on.
 */
export async function decide(
  caller: Principal,
  id: string,
  decision: Decision,
): Promise<{ id: string; status: DeletionStatus }> {
  // Deciding is about a bag the decider must be able to look at (SPEC §4: a role, then the space).
  if (!hasRole(caller, 'read'))
    throw new Forbidden('Deciding a deletion request needs the read role as well as delete-approve.');
  const request = await visibleRequest(caller, id);
  if (request.requestedBy === caller.user) {
    throw new Forbidden(
      `A deletion request must be decided by someone other than its requester: ${caller.user} requested this one.`,
    );
  }
  if (decision === 'approve' && request.status === 'approved' && !request.completedDate) {
    await redriveDeletion(id, caller.user);
    return { id, status: 'approved' };
  }
  if (request.status !== 'open') throw new Conflict(`Deletion request ${id} is already ${request.status}`);
  if (decision === 'approve') await refuseWhileIngesting(request);
  const status: DeletionStatus = decision === 'approve' ? 'approved' : 'rejected';
  const decidedDate = new Date().toISOString();
  // The request's own conditional write decides between concurrent decisions; the marker follows.
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: requestKey(id),
        UpdateExpression: 'SET #status = :status, decidedBy = :by, decidedDate = :date, gsi1pk = :listing',
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':by': caller.user,
          ':date': decidedDate,
          ':listing': statusPartition(status),
          ':open': 'open',
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new Conflict(`Deletion request ${id} was decided meanwhile`);
    throw error;
  }
  if (decision === 'approve') await markDeleting(request.space, request.externalIdentifier, id);
  else await releaseMarker(request.space, request.externalIdentifier, id);
  await recordDeletionEvent(request.space, request.externalIdentifier, id, {
    type: decision === 'approve' ? 'deletion approval' : 'deletion rejection',
    agent: { type: 'user', id: caller.user },
    description: `Deletion ${status} by ${caller.user} (requested by ${request.requestedBy})`,
    date: decidedDate,
  });
  // The approval stands even if this start fails: the re-drive sweep (or approving again) starts it.
  if (decision === 'approve') await startDeletionWorkflow({ ...request, status });
  return { id, status };
}

/** A version claimed but not registered is an ingest in flight: deleting under it would race it. */
async function refuseWhileIngesting(request: DeletionRequest): Promise<void> {
  const claims = await claimsOf(request.space, request.externalIdentifier);
  const registered = new Set(
    (await allRegisteredVersions(request.space, request.externalIdentifier)).map(
      (version) => version.version,
    ),
  );
  const inFlight = claims.filter((claim) => !registered.has(`v${claim.version}`));
  if (inFlight.length > 0) {
    throw new Conflict(
      `An ingest of ${request.space}/${request.externalIdentifier} (v${inFlight[0]?.version}) is still running; approve once it has finished.`,
    );
  }
}
