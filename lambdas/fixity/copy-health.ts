import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
 * The location to serve a file from: the primary, unless its copy failed its last check; then a
 * readable (not cold) replica whose copy did not. With no good copy left, nothing is served.
 */
export async function readableLocationOf(fileId: string): Promise<StorageLocation> {
  const [primary, ...replicas] = storageLocations() as [StorageLocation, ...StorageLocation[]];
  const bad = await badLocations(fileId);
  if (!bad.has(PRIMARY_LOCATION_NAME)) return primary;
  const replica = replicas.find((location) => !bad.has(location.name) && !isCold(location.storageClass));
  if (replica) return replica;
  throw new Conflict(
    `${fileId} cannot be served: its copy in the primary location failed its last fixity check and no readable replica passed it. The copy is being repaired or needs an operator.`,
  );
}
