import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, s3 } from '../aws-clients.ts';
import { allRegisteredVersions, bagPartition, claimsOf } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { spaceKey } from '../spaces/space-repository.ts';
import { PRIMARY_LOCATION_NAME, storageLocation, storageLocations } from '../storage/locations.ts';
import { listKeys } from '../storage/s3-objects.ts';
import { bagPrefix, storageManifestKey, versionLabel } from '../storage/storage-layout.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { queryPages } from '../table/query-pages.ts';
import { EVENT_PREFIX } from '../preservation-events/bag-events.ts';
import { recordDeletionEvent } from './bag-events.ts';
import { markDeleting } from './deletion-requests.ts';
import {
  type DeletionInventory,
  type DeletionMarker,
  type DeletionRequest,
  getMarker,
  getRequest,
  markerKey,
  requestKey,
  type Tombstone,
} from './deletion-records.ts';
import { removeFetchedFileItems } from './fetched-file-items.ts';
import { listObjectVersions, removeObjectVersions, removeStoredFileItems } from './stored-object-removal.ts';

/**
 * The deletion workflow's steps (statemachines/deletion.asl.json). Each can run again after a crash
 * at any point and arrive at the same end: the inventory is taken once, deletes of what is gone are
 * no-ops, and the accounting and the tombstone are conditional writes.
 */
export interface DeletionInput {
  requestId: string;
}

async function approvedDeletion(
  requestId: string,
): Promise<{ request: DeletionRequest; marker: DeletionMarker }> {
  const request = await getRequest(requestId);
  if (!request || request.status !== 'approved')
    throw new Error(`Deletion request ${requestId} is not approved`);
  // Approval marks the bag; if it stopped before that, the workflow does it (idempotent).
  await markDeleting(request.space, request.externalIdentifier, requestId);
  const marker = await getMarker(request.space, request.externalIdentifier);
  if (!marker || marker.requestId !== requestId || marker.state === 'requested') {
    throw new Error(`The bag of deletion request ${requestId} is not marked for deletion`);
  }
  return { request, marker };
}

async function sha256Of(bucket: string, key: string): Promise<string> {
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

async function takeInventory(space: string, externalIdentifier: string): Promise<DeletionInventory> {
  const registered = await allRegisteredVersions(space, externalIdentifier);
  const claimed = (await claimsOf(space, externalIdentifier)).map((claim) => versionLabel(claim.version));
  const versions = [...new Set([...registered.map((version) => version.version), ...claimed])].sort(
    (a, b) => Number(a.slice(1)) - Number(b.slice(1)),
  );
  const primary = config().primaryBucket;
  let files = 0;
  let bytes = 0;
  for (const version of versions) {
    for await (const object of listKeys(primary, `${bagPrefix(space, externalIdentifier)}/${version}/`)) {
      files += 1;
      bytes += object.size;
    }
  }
  const manifests = [];
  for (const version of registered.sort((a, b) => Number(a.version.slice(1)) - Number(b.version.slice(1))))
    manifests.push({ version: version.version, sha256: await sha256Of(primary, version.manifestKey) });
  return { versions, files, bytes, manifests };
}

/**
 * Step 1: records what is about to be deleted (once), before anything is, and removes the index
 * items of files versions took through fetch.txt (found through the manifests, which step 2 deletes).
 */
export async function prepareDeletion(input: DeletionInput): Promise<{ locations: string[] }> {
  const { request, marker } = await approvedDeletion(input.requestId);
  if (marker.state === 'deleting' && !marker.inventory) {
    const inventory = await takeInventory(request.space, request.externalIdentifier);
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: config().tableName,
          Key: markerKey(request.space, request.externalIdentifier),
          UpdateExpression: 'SET inventory = :inventory',
          ConditionExpression: '#state = :deleting AND attribute_not_exists(inventory)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inventory': inventory, ':deleting': 'deleting' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  const inventory = (await getMarker(request.space, request.externalIdentifier))?.inventory;
  if (inventory) await removeFetchedFileItems(request.space, request.externalIdentifier, inventory.versions);
  return { locations: storageLocations().map((location) => location.name) };
}

/** Pages deleted per invocation; the state machine loops while `more` (a Lambda run stays short). */
const PAGES_PER_RUN = 50;

/**
 * Step 2, per location: every object version of every version of the bag (and, in the primary
 * location, the storage manifests and the stored-file index items). Index items go before their
 * objects, so a retry that still lists an object removes its item again.
 */
export async function deleteFromLocation(
  input: DeletionInput & { location: string },
): Promise<{ more: boolean }> {
  const { request, marker } = await approvedDeletion(input.requestId);
  if (marker.state === 'deleted') return { more: false };
  const inventory = marker.inventory;
  if (!inventory) throw new Error(`Deletion ${input.requestId} has no inventory: run its preparation first`);
  const { space, externalIdentifier } = request;
  const location = storageLocation(input.location);
  const primary = input.location === PRIMARY_LOCATION_NAME;
  const targets = [
    ...inventory.versions.map((version) => ({
      prefix: `${bagPrefix(space, externalIdentifier)}/${version}/`,
      exact: false,
    })),
    ...(primary
      ? inventory.versions.map((version) => ({
          prefix: storageManifestKey(space, externalIdentifier, version),
          exact: true,
        }))
      : []),
  ];
  let pages = 0;
  for (const target of targets) {
    for (;;) {
      if (pages === PAGES_PER_RUN) return { more: true };
      const versions = await listObjectVersions(location, target.prefix, target.exact);
      if (versions.length === 0) break;
      pages += 1;
      if (primary && !target.exact) {
        await removeStoredFileItems([...new Set(versions.filter((v) => !v.deleteMarker).map((v) => v.key))]);
      }
      await removeObjectVersions(location, versions);
    }
  }
  return { more: false };
}

/**
 * Takes the bag's bytes and the bag off the space exactly once: the space item holds the ids of
 * deletions it has applied until their tombstone is written, and the condition refuses a second go.
 */
async function takeFromSpace(space: string, requestId: string, bytes: number): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: spaceKey(space),
        UpdateExpression: 'ADD used :bytes, bagCount :bags, applyingDeletions :id',
        ConditionExpression: 'attribute_exists(pk) AND NOT contains(applyingDeletions, :requestId)',
        ExpressionAttributeValues: {
          ':bytes': -bytes,
          ':bags': -1,
          ':id': new Set([requestId]),
          ':requestId': requestId,
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

async function removeBagIndex(space: string, externalIdentifier: string): Promise<void> {
  const tableName = config().tableName;
  const pk = bagPartition(space, externalIdentifier);
  const pages = queryPages({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ProjectionExpression: 'pk, sk',
  });
  for await (const page of pages) {
    // The marker becomes the tombstone, and the preservation history outlives the bag.
    const keys = (page.Items ?? []).filter(
      (item) => item.sk !== 'DELETION' && !String(item.sk).startsWith(EVENT_PREFIX),
    );
    for (let start = 0; start < keys.length; start += 25) {
      const requests = keys.slice(start, start + 25).map((Key) => ({ DeleteRequest: { Key } }));
      const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      if (Object.keys(result.UnprocessedItems ?? {}).length > 0)
        throw new Error('DynamoDB left bag index deletes unprocessed');
    }
  }
}

/**
 * Step 3: removes the bag's index (versions, claims, summary), takes the bag off its space (once),
 * then turns the marker into the tombstone. Conditions make a retried step change nothing twice.
 */
export async function finishDeletion(input: DeletionInput): Promise<{ deleted: string }> {
  const { request, marker } = await approvedDeletion(input.requestId);
  const { space, externalIdentifier } = request;
  if (marker.state === 'deleting') {
    const inventory = marker.inventory;
    if (!inventory) throw new Error(`Deletion ${input.requestId} has no inventory`);
    await removeBagIndex(space, externalIdentifier);
    const tombstone: Tombstone = {
      type: 'Tombstone',
      id: `${space}/${externalIdentifier}`,
      space,
      externalIdentifier,
      deletionRequestId: request.id,
      reason: request.reason,
      requestedBy: request.requestedBy,
      requestedDate: request.requestedDate,
      approvedBy: request.decidedBy as string,
      approvedDate: request.decidedDate as string,
      deletedDate: new Date().toISOString(),
      ...inventory,
    };
    await takeFromSpace(space, request.id, inventory.bytes);
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: config().tableName,
          Key: markerKey(space, externalIdentifier),
          UpdateExpression: 'SET #state = :deleted, tombstone = :tombstone',
          ConditionExpression: '#state = :deleting AND requestId = :id',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':deleted': 'deleted',
            ':deleting': 'deleting',
            ':tombstone': tombstone,
            ':id': request.id,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: requestKey(request.id),
        UpdateExpression: 'SET completedDate = if_not_exists(completedDate, :date)',
        ExpressionAttributeValues: { ':date': tombstone.deletedDate },
      }),
    );
  }
  // Only now may the space forget the deletion: its marker says `deleted`, so no retry subtracts again.
  await dynamo().send(
    new UpdateCommand({
      TableName: config().tableName,
      Key: spaceKey(space),
      UpdateExpression: 'DELETE applyingDeletions :id',
      ExpressionAttributeValues: { ':id': new Set([request.id]) },
    }),
  );
  const done = await getMarker(space, externalIdentifier);
  if (done?.state !== 'deleted' || !done.tombstone)
    throw new Error(`Deletion ${input.requestId} did not complete`);
  await recordDeletionEvent(space, externalIdentifier, request.id, {
    type: 'deletion',
    agent: { type: 'service', id: 'deletion workflow' },
    description: `Deleted ${done.tombstone.versions.join(', ')}: ${done.tombstone.files} files, ${done.tombstone.bytes} bytes, in every location`,
    date: done.tombstone.deletedDate,
  });
  return { deleted: done.tombstone.id };
}
