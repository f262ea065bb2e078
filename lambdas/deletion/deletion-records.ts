import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DeletionMarker,
  deletionMarkerSchema,
  type DeletionRequest,
  deletionRequestSchema,
  type DeletionStatus,
} from './deletion-schema.ts';
import { parseStored } from '../schemas/problems.ts';
import { dynamo } from '../aws-clients.ts';
import { bagPartition } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { isIngestId } from '../identifiers.ts';
import { queryPage } from '../table/query-page.ts';

/**
 * Where deletion lives in the table:
 * - a request at `DELETION#{id}` / `REQUEST`, listed per status through gsi1 (`DELETIONS#{status}`);
 * - the bag's deletion marker at `BAG#{space}#{externalIdentifier}` / `DELETION`: one per bag, so a
 *   second open request is one failed conditional write. Its `state` is `requested` (an open
 *   request), `deleting` (approved: reads answer 409, nothing may be added) or `deleted` (the marker
 *   then holds the tombstone, and reads answer 410 with it). A rejected request removes the marker.
 */
export { DELETION_STATUSES } from './deletion-schema.ts';
export type {
  DeletionInventory,
  DeletionMarker,
  DeletionRequest,
  DeletionStatus,
  ManifestDigest,
  MarkerState,
  Tombstone,
} from './deletion-schema.ts';

const tableName = () => config().tableName;
export const requestKey = (id: string) => ({ pk: `DELETION#${id}`, sk: 'REQUEST' });
export const markerKey = (space: string, externalIdentifier: string) => ({
  pk: bagPartition(space, externalIdentifier),
  sk: 'DELETION',
});
export const statusPartition = (status: DeletionStatus) => `DELETIONS#${status}`;

export function toRequest(item: Record<string, unknown>): DeletionRequest {
  return parseStored('deletion request', item, deletionRequestSchema);
}

export async function getRequest(id: string): Promise<DeletionRequest | undefined> {
  // Request ids are UUIDs: anything else names no request (and never reaches a table key).
  if (!isIngestId(id)) return undefined;
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: requestKey(id), ConsistentRead: true }),
  );
  return Item ? toRequest(Item) : undefined;
}

export async function getMarker(
  space: string,
  externalIdentifier: string,
): Promise<DeletionMarker | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: markerKey(space, externalIdentifier),
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  return parseStored('deletion marker', Item, deletionMarkerSchema);
}

/** A page of requests in one status; `keep` drops those the caller may not see before the page is cut. */
export async function listRequests(
  status: DeletionStatus,
  page: {
    limit: number;
    cursor: string | undefined;
    caller: string;
    keep: (request: DeletionRequest) => boolean;
  },
) {
  const result = await queryPage({
    binding: ['deletion-requests', page.caller],
    index: 'list',
    partition: statusPartition(status),
    keep: (item) => page.keep(toRequest(item)),
    limit: page.limit,
    cursor: page.cursor,
  });
  return { requests: result.items.map(toRequest), next: result.next };
}
