import { GetCommand } from '@aws-sdk/lib-dynamodb';
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
export const DELETION_STATUSES = ['open', 'approved', 'rejected'] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

export interface DeletionRequest {
  type: 'DeletionRequest';
  id: string;
  space: string;
  externalIdentifier: string;
  reason: string;
  status: DeletionStatus;
  requestedBy: string;
  requestedDate: string;
  decidedBy?: string;
  decidedDate?: string;
  /** When the approved deletion finished (the bag is then a tombstone). */
  completedDate?: string;
  /** Which start of the deletion workflow is current (absent: the first); see deletion-execution.ts. */
  workflowAttempt?: number;
}

export interface ManifestDigest {
  version: string;
  sha256: string;
}

/** What is about to be deleted, taken once before the first delete (so retries report the same). */
export interface DeletionInventory {
  versions: string[];
  files: number;
  bytes: number;
  manifests: ManifestDigest[];
}

export interface Tombstone {
  type: 'Tombstone';
  id: string;
  space: string;
  externalIdentifier: string;
  deletionRequestId: string;
  reason: string;
  requestedBy: string;
  requestedDate: string;
  approvedBy: string;
  approvedDate: string;
  deletedDate: string;
  versions: string[];
  files: number;
  bytes: number;
  /** SHA-256 of each deleted storage manifest, as it was stored. */
  manifests: ManifestDigest[];
}

export type MarkerState = 'requested' | 'deleting' | 'deleted';

export interface DeletionMarker {
  state: MarkerState;
  requestId: string;
  /** The request as created (so a request item lost between the two writes can be written again). */
  request?: DeletionRequest;
  inventory?: DeletionInventory;
  tombstone?: Tombstone;
}

const tableName = () => config().tableName;
export const requestKey = (id: string) => ({ pk: `DELETION#${id}`, sk: 'REQUEST' });
export const markerKey = (space: string, externalIdentifier: string) => ({
  pk: bagPartition(space, externalIdentifier),
  sk: 'DELETION',
});
export const statusPartition = (status: DeletionStatus) => `DELETIONS#${status}`;

export function toRequest(item: Record<string, unknown>): DeletionRequest {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, ...request } = item;
  return request as unknown as DeletionRequest;
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
  const { pk: _pk, sk: _sk, ...marker } = Item;
  return marker as unknown as DeletionMarker;
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
