import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { invalidCursor, openCursor, sealCursor } from '../table/cursor.ts';
import { TABLE_KEYS } from '../table/keys.ts';
import type { Ingest, IngestStatus } from './ingest.ts';

/**
 * Where ingests are listed: every write to an ingest item (each event, each progress report) is also
 * a write to its list index partition, so the ingests of one space are spread over LIST_SHARDS
 * partitions by their id. `GET /ingests?space=` reads every shard and merges them, newest first;
 * the sort key (`{createdDate}#{id}`) is unique, so a cursor is one sort key: the page goes on below
 * it in every shard. Ingests listed before sharding stay in the unsharded partition, read as one
 * more shard.
 */
export const LIST_SHARDS = 8;

const legacyPartition = (space: string) => `INGESTS#${space}`;
const shardOf = (id: string) => Number.parseInt(id.slice(0, 2), 16) % LIST_SHARDS;
const shardPartition = (space: string, shard: number) => `${legacyPartition(space)}#${shard}`;

export function listingOf(ingest: Pick<Ingest, 'id' | 'createdDate' | 'space'>) {
  return {
    [TABLE_KEYS.listPartitionKey]: shardPartition(ingest.space.id, shardOf(ingest.id)),
    [TABLE_KEYS.listSortKey]: `${ingest.createdDate}#${ingest.id}`,
  };
}

type Item = Record<string, unknown>;

/** Queries per shard and page at most: a selective status filter answers a short page with a cursor. */
const MAX_ROUNDS = 10;
const FILTERED_ROUND = 100;

interface ShardRead {
  items: Item[];
  /** The sort key reading stopped at, when the shard has more below it. */
  stoppedAt?: string;
}

/** Up to `wanted` items of one shard below `below`, newest first. */
async function readShard(
  partition: string,
  below: string | undefined,
  wanted: number,
  status: IngestStatus | undefined,
): Promise<ShardRead> {
  const names: Record<string, string> = { '#pk': TABLE_KEYS.listPartitionKey };
  const values: Record<string, unknown> = { ':pk': partition };
  let condition = '#pk = :pk';
  if (below !== undefined) {
    names['#sk'] = TABLE_KEYS.listSortKey;
    values[':below'] = below;
    condition += ' AND #sk < :below';
  }
  if (status) {
    Object.assign(names, { '#status': 'status', '#id': 'id' });
    values[':status'] = status;
  }
  const items: Item[] = [];
  let startKey: Item | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const result = await dynamo().send(
      new QueryCommand({
        TableName: config().tableName,
        IndexName: TABLE_KEYS.listIndex,
        KeyConditionExpression: condition,
        ...(status ? { FilterExpression: '#status.#id = :status' } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: status ? Math.max(wanted - items.length, FILTERED_ROUND) : wanted - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
    if (items.length >= wanted) {
      const kept = items.slice(0, wanted);
      return { items: kept, stoppedAt: String(kept[kept.length - 1]?.[TABLE_KEYS.listSortKey]) };
    }
    if (!startKey) return { items };
  }
  return { items, stoppedAt: String(startKey?.[TABLE_KEYS.listSortKey]) };
}

/**
 * One page of a space's ingests over every shard. Every shard is read down to the same depth or to
 * its end; of what they returned, only the items above the highest point where a shard stopped are
 * certainly in order, so the page is cut there.
 */
export async function listShardedIngests(
  space: string,
  status: IngestStatus | undefined,
  limit: number,
  cursor: string | undefined,
  caller: string,
): Promise<{ items: Item[]; next?: string }> {
  const binding = JSON.stringify(['ingests', status ?? '', caller, legacyPartition(space)]);
  const below = cursor === undefined ? undefined : await positionOf(cursor, binding);
  const partitions = [
    legacyPartition(space),
    ...Array.from({ length: LIST_SHARDS }, (_, shard) => shardPartition(space, shard)),
  ];
  const reads = await Promise.all(
    partitions.map((partition) => readShard(partition, below, limit + 1, status)),
  );
  const sortKey = (item: Item) => String(item[TABLE_KEYS.listSortKey]);
  const floor = reads
    .map((read) => read.stoppedAt)
    .filter((at) => at !== undefined)
    .reduce<string | undefined>(
      (highest, at) => (highest === undefined || at > highest ? at : highest),
      undefined,
    );
  const certain = reads
    .flatMap((read) => read.items)
    .filter((item) => floor === undefined || sortKey(item) >= floor)
    .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1));
  if (certain.length > limit) {
    const items = certain.slice(0, limit);
    return { items, next: await sealCursor({ below: sortKey(items[items.length - 1] as Item) }, binding) };
  }
  return {
    items: certain,
    ...(floor !== undefined ? { next: await sealCursor({ below: floor }, binding) } : {}),
  };
}

async function positionOf(cursor: string, binding: string): Promise<string> {
  const position = await openCursor(cursor, binding);
  const below = (position as { below?: unknown } | null)?.below;
  if (typeof below !== 'string' || below === '' || Object.keys(position as object).length !== 1)
    throw invalidCursor();
  return below;
}
