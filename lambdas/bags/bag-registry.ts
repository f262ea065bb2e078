import {
  type BagSummary,
  bagSummarySchema,
  type RegisteredVersion,
  registeredVersionSchema,
  type StoredFileRecord,
  storedFileRecordSchema,
} from './bag-records.ts';
import { z } from 'zod';
import { parseStored } from '../schemas/problems.ts';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { queryPage } from '../table/query-page.ts';
import { queryPages } from '../table/query-pages.ts';

/**
 * The registry of bags, their versions and their stored files, all in the one table under
 * `BAG#{space}#{externalIdentifier}`:
 * - `CLAIM#000002`: version 2 is taken by an ingest (claims are conditional writes, so concurrent
 *   ingests of one bag get distinct, contiguous numbers);
 * - `VERSION#000002`: version 2 is registered (its storage manifest is written);
 * - `BAG`: the bag's summary (latest registered version), listed per space through gsi1.
 * Stored files are items of their own, `FILE#{id}`, so a cart can check one id in one read.
 */
export const bagPartition = (space: string, externalIdentifier: string) =>
  `BAG#${space}#${externalIdentifier}`;
const padded = (n: number) => String(n).padStart(6, '0');
const listPartition = (space: string) => `BAGS#${space}`;
/** The list (gsi1) partition of a space's bag summaries, one per bag. */
export const bagListPartition = listPartition;

/** A `CLAIM#` item as the table holds it. */
const claimSchema = z.object({
  version: z.number(),
  ingestId: z.string(),
  retained: z.boolean().optional(),
});

export interface VersionClaim {
  version: number;
  ingestId: string;
  /** Kept by a failed ingest whose held objects could not be removed: the number is never reused. */
  retained?: boolean;
}

export type { BagSummary, RegisteredVersion, StoredFileRecord } from './bag-records.ts';

const tableName = () => config().tableName;

export async function claimsOf(space: string, externalIdentifier: string): Promise<VersionClaim[]> {
  const claims: VersionClaim[] = [];
  const pages = queryPages({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :claim)',
    ExpressionAttributeValues: { ':pk': bagPartition(space, externalIdentifier), ':claim': 'CLAIM#' },
    ConsistentRead: true,
  });
  for await (const page of pages)
    for (const item of page.Items ?? []) {
      const { version, ingestId, retained } = parseStored('version claim', item, claimSchema);
      claims.push({ version, ingestId, ...(retained ? { retained: true } : {}) });
    }
  return claims;
}

/** Takes version `n` for an ingest; false when another ingest took it first. */
export async function claimVersion(space: string, externalIdentifier: string, n: number, ingestId: string) {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk: bagPartition(space, externalIdentifier), sk: `CLAIM#${padded(n)}`, version: n, ingestId },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Who holds version `n`, if anyone. */
export async function claimOf(
  space: string,
  externalIdentifier: string,
  n: number,
): Promise<VersionClaim | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: { pk: bagPartition(space, externalIdentifier), sk: `CLAIM#${padded(n)}` },
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const { version, ingestId } = parseStored('version claim', Item, claimSchema);
  return { version, ingestId };
}

/** The number of the latest registered version, 0 when none is (read consistently, for claims). */
export async function latestRegisteredNumber(space: string, externalIdentifier: string): Promise<number> {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': bagPartition(space, externalIdentifier), ':version': 'VERSION#' },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return Items?.[0] ? Number(String(Items[0].sk).slice('VERSION#'.length)) : 0;
}

/** Every registered version of a bag, newest first (a bag has few; the API pages them with listVersions). */
export async function allRegisteredVersions(
  space: string,
  externalIdentifier: string,
): Promise<RegisteredVersion[]> {
  const versions: RegisteredVersion[] = [];
  const pages = queryPages({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
    ExpressionAttributeValues: { ':pk': bagPartition(space, externalIdentifier), ':version': 'VERSION#' },
    ScanIndexForward: false,
    ConsistentRead: true,
  });
  for await (const page of pages) versions.push(...(page.Items ?? []).map(toRegistered));
  return versions;
}

/** Whether version `n` is registered (read consistently: cleanup must never touch a registered version). */
export async function isRegistered(space: string, externalIdentifier: string, n: number): Promise<boolean> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: { pk: bagPartition(space, externalIdentifier), sk: `VERSION#${padded(n)}` },
      ConsistentRead: true,
    }),
  );
  return Item !== undefined;
}

/** Keeps a failed ingest's version taken for good (its held objects stay where they are). */
export async function retainClaim(space: string, externalIdentifier: string, n: number, ingestId: string) {
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: bagPartition(space, externalIdentifier), sk: `CLAIM#${padded(n)}` },
      UpdateExpression: 'SET retained = :true',
      ConditionExpression: 'ingestId = :ingestId',
      ExpressionAttributeValues: { ':true': true, ':ingestId': ingestId },
    }),
  );
}

/** Gives a failed ingest's version back, so the next ingest of the bag takes that number. */
export async function releaseClaim(space: string, externalIdentifier: string, n: number, ingestId: string) {
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: { pk: bagPartition(space, externalIdentifier), sk: `CLAIM#${padded(n)}` },
        ConditionExpression: 'ingestId = :ingestId',
        ExpressionAttributeValues: { ':ingestId': ingestId },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Registers a version, once: returns false when it was already registered (a retried Register), so
 * accounting is not repeated. Also moves the bag summary to this version.
 */
export async function registerVersion(registered: RegisteredVersion): Promise<boolean> {
  const pk = bagPartition(registered.space, registered.externalIdentifier);
  const n = Number(registered.version.slice(1));
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk, sk: `VERSION#${padded(n)}`, kind: 'BagVersion', ...registered },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  const summary: BagSummary = {
    space: registered.space,
    externalIdentifier: registered.externalIdentifier,
    latestVersion: registered.version,
    size: registered.size,
    fileCount: registered.fileCount,
    createdDate: registered.createdDate,
  };
  // Versions may register out of order when concurrent; the summary only ever moves forward.
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          pk,
          sk: 'BAG',
          gsi1pk: listPartition(registered.space),
          gsi1sk: registered.externalIdentifier,
          kind: 'Bag',
          latestNumber: n,
          ...summary,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR latestNumber < :n',
        ExpressionAttributeValues: { ':n': n },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  return true;
}

function toRegistered(item: Record<string, unknown>): RegisteredVersion {
  return parseStored('registered version', item, registeredVersionSchema);
}

/** A registered version, or the latest one when `version` is undefined. */
export async function getVersion(space: string, externalIdentifier: string, version?: string) {
  const pk = bagPartition(space, externalIdentifier);
  if (version) {
    const n = Number(version.slice(1));
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: tableName(), Key: { pk, sk: `VERSION#${padded(n)}` } }),
    );
    return Item ? toRegistered(Item) : undefined;
  }
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': pk, ':version': 'VERSION#' },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  return Items?.[0] ? toRegistered(Items[0]) : undefined;
}

/** Registered versions, newest first, optionally only those before `before` (e.g. 3 for "v3"). */
export async function listVersions(
  space: string,
  externalIdentifier: string,
  page: { before?: number; limit: number; cursor: string | undefined; caller: string },
) {
  const { before } = page;
  const result = await queryPage({
    binding: ['versions', String(before ?? ''), page.caller],
    partition: bagPartition(space, externalIdentifier),
    ...(before
      ? { sortKeyRange: { from: 'VERSION#', to: `VERSION#${padded(before - 1)}` } }
      : { sortKeyPrefix: 'VERSION#' }),
    newestFirst: true,
    limit: page.limit,
    cursor: page.cursor,
  });
  return { versions: result.items.map(toRegistered), next: result.next };
}

export async function listBags(space: string, limit: number, cursor: string | undefined, caller: string) {
  const page = await queryPage({
    binding: ['bags', caller],
    index: 'list',
    partition: listPartition(space),
    limit,
    cursor,
  });
  const bags = page.items.map((item) => parseStored('bag summary', item, bagSummarySchema));
  return { bags, next: page.next };
}

/**
 * A stored-file item: `key` is the stored file key it is found under, usually the record's own `id`;
 * for a file a version took through fetch.txt, that version's key, with the holder's `id`.
 */
export interface StoredFileItem {
  key: string;
  record: StoredFileRecord;
}

/** BatchWrites in flight at once while recording stored files. */
const BATCH_WRITES_IN_FLIGHT = 8;
const BATCH_ITEMS = 25;
const MAX_ATTEMPTS = 9;

/**
 * Records stored files (idempotent: the same key always describes the same bytes), 25 per BatchWrite
 * and several BatchWrites at once; what DynamoDB leaves unprocessed is retried with backoff.
 */
export async function putStoredFiles(items: readonly StoredFileItem[]): Promise<void> {
  const batches: StoredFileItem[][] = [];
  for (let start = 0; start < items.length; start += BATCH_ITEMS)
    batches.push(items.slice(start, start + BATCH_ITEMS));
  await mapConcurrently(batches, BATCH_WRITES_IN_FLIGHT, async (batch) => {
    let requests = batch.map(({ key, record }) => ({
      PutRequest: { Item: { pk: `FILE#${key}`, sk: 'FILE', kind: 'StoredFile', ...record } },
    }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('DynamoDB kept returning unprocessed stored-file writes');
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
      const result = await dynamo().send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }),
      );
      requests = (result.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
    }
  });
}

/**
 * The stored file found under a key, only once the version holding it is registered. Its `id` is the
 * key holding the bytes: another key than the one asked for when a version took the file through
 * fetch.txt (see StoredFileItem).
 */
export async function getStoredFile(id: string): Promise<StoredFileRecord | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: { pk: `FILE#${id}`, sk: 'FILE' } }),
  );
  if (!Item) return undefined;
  const record = parseStored('stored file', Item, storedFileRecordSchema);
  const registered = await getVersion(record.space, record.externalIdentifier, record.version);
  return registered ? record : undefined;
}

/**
 * After a repair rewrote a copy (a new S3 version in an Object Lock location), reads of that copy
 * pin the new version: the stored-file record overrides the manifest's version id, which is never
 * rewritten (the storage manifest is immutable). The record must exist: only registered files are
 * repaired.
 */
export async function repinStoredFile(id: string, location: string, versionId: string): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: `FILE#${id}`, sk: 'FILE' },
      UpdateExpression: 'SET #versionIds.#location = :versionId',
      ConditionExpression: 'attribute_exists(pk) AND attribute_exists(#versionIds)',
      ExpressionAttributeNames: { '#versionIds': 'versionIds', '#location': location },
      ExpressionAttributeValues: { ':versionId': versionId },
    }),
  );
}
