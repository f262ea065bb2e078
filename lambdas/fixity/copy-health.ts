import { BatchGetCommand, DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { Conflict } from '../errors.ts';
import {
  isCold,
  PRIMARY_LOCATION_NAME,
  type StorageLocation,
  storageLocations,
} from '../storage/locations.ts';

/**
 * Which copies of a stored file failed their last fixity check: one item per bad copy under
 * `COPYHEALTH#{file id}` (sort key: the location), written when a check fails and removed when the
 * copy is repaired. A file with no such items has no known-bad copy.
 */
const partition = (fileId: string) => `COPYHEALTH#${fileId}`;

export async function recordBadCopy(
  fileId: string,
  location: string,
  detail: { runId: string; state: string },
) {
  await dynamo().send(
    new PutCommand({
      TableName: config().tableName,
      Item: { pk: partition(fileId), sk: location, ...detail, checkedDate: new Date().toISOString() },
    }),
  );
}

export async function clearBadCopy(fileId: string, location: string) {
  await dynamo().send(
    new DeleteCommand({ TableName: config().tableName, Key: { pk: partition(fileId), sk: location } }),
  );
}

/** Of these copies, those recorded bad (so a check that now finds them good can clear them). */
export async function knownBadCopies(
  copies: readonly { fileId: string; location: string }[],
): Promise<Set<string>> {
  const table = config().tableName;
  const bad = new Set<string>();
  for (let start = 0; start < copies.length; start += 100) {
    let keys: Record<string, unknown>[] = copies
      .slice(start, start + 100)
      .map((copy) => ({ pk: partition(copy.fileId), sk: copy.location }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed copy-health reads');
      const result = await dynamo().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ProjectionExpression: 'pk, sk' } } }),
      );
      for (const item of result.Responses?.[table] ?? [])
        bad.add(`${item.pk as string}|${item.sk as string}`);
      keys = result.UnprocessedKeys?.[table]?.Keys ?? [];
      if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
  return bad;
}

export const copyHealthKey = (fileId: string, location: string) => `${partition(fileId)}|${location}`;

async function badLocations(fileId: string): Promise<Set<string>> {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: config().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition(fileId) },
    }),
  );
  return new Set((Items ?? []).map((item) => item.sk as string));
}

/**
 * The one rule for which copy a read prefers: the locations (in their order, primary first) whose copy
 * did not fail its last fixity check, then those whose copy did. A known-bad copy is only a last
 * resort for a reader that verifies what it reads (a cart); a download cannot, so it never gets one.
 */
export async function locationsByHealth(
  fileId: string,
  locations: readonly StorageLocation[] = storageLocations(),
): Promise<{ good: StorageLocation[]; bad: StorageLocation[] }> {
  const known = await badLocations(fileId);
  return {
    good: locations.filter((location) => !known.has(location.name)),
    bad: locations.filter((location) => known.has(location.name)),
  };
}

/**
 * The location to serve a file from: the primary, unless its copy failed its last check; then a
 * readable (not cold) replica whose copy did not. With no good copy left, nothing is served.
 */
export async function readableLocationOf(fileId: string): Promise<StorageLocation> {
  const { good } = await locationsByHealth(fileId);
  const [first] = good;
  if (first?.name === PRIMARY_LOCATION_NAME) return first;
  const replica = good.find((location) => !isCold(location.storageClass));
  if (replica) return replica;
  throw new Conflict(
    `${fileId} cannot be served: its copy in the primary location failed its last fixity check and no readable replica passed it. The copy is being repaired or needs an operator.`,
  );
}
