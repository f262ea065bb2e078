import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { invalidCursor, openCursor, sealCursor } from './cursor.ts';
import { TABLE_KEYS } from './keys.ts';

type Item = Record<string, unknown>;

export interface PageQuery {
  /**
   * What the list is and for whom, e.g. `['ingests', space, status, user]`: a cursor opens only for
   * the same binding, so one from another list, space, filter or caller is refused.
   */
  binding: readonly string[];
  /** `list` reads the list index (gsi1); otherwise the table's own key. */
  index?: 'list';
  /** The partition key's value. */
  partition: string;
  /** Only sort keys starting with this, or only those from `from` to `to` (inclusive). */
  sortKeyPrefix?: string;
  sortKeyRange?: { from: string; to: string };
  /** A DynamoDB filter applied before the page is cut (a page may read past items it drops). */
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  /** Items the caller may not see: dropped before the page is cut, so they never shape it. */
  keep?: (item: Item) => boolean;
  newestFirst?: boolean;
  limit: number;
  cursor: string | undefined;
}

export interface Page {
  items: Item[];
  /** Absent on the last page. */
  next?: string;
}

/** Queries per page at most: a very selective filter answers a short page with a cursor instead. */
const MAX_ROUNDS = 10;
/** What a filtered round evaluates at least, so a selective filter does not crawl item by item. */
const FILTERED_ROUND = 100;

/**
 * One page of any table list. It reads one item past the page, so the last page has no `next`; and
 * `next` points at the last item returned (sealed, see cursor.ts), never at an item the caller
 * could not see.
 */
export async function queryPage(query: PageQuery): Promise<Page> {
  const onIndex = query.index === 'list';
  const partitionKey = onIndex ? TABLE_KEYS.listPartitionKey : TABLE_KEYS.partitionKey;
  const sortKey = onIndex ? TABLE_KEYS.listSortKey : TABLE_KEYS.sortKey;
  const keyAttributes = onIndex
    ? [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, TABLE_KEYS.listPartitionKey, TABLE_KEYS.listSortKey]
    : [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey];
  const binding = JSON.stringify([...query.binding, query.partition]);
  let startKey =
    query.cursor === undefined
      ? undefined
      : await positionOf(query.cursor, binding, keyAttributes, partitionKey, query.partition);

  const names: Record<string, string> = { '#pk': partitionKey, ...(query.filter?.names ?? {}) };
  const values: Record<string, unknown> = { ':pk': query.partition, ...(query.filter?.values ?? {}) };
  let condition = '#pk = :pk';
  if (query.sortKeyPrefix !== undefined) {
    names['#sk'] = sortKey;
    values[':skPrefix'] = query.sortKeyPrefix;
    condition += ' AND begins_with(#sk, :skPrefix)';
  } else if (query.sortKeyRange !== undefined) {
    names['#sk'] = sortKey;
    values[':skFrom'] = query.sortKeyRange.from;
    values[':skTo'] = query.sortKeyRange.to;
    condition += ' AND #sk BETWEEN :skFrom AND :skTo';
  }
  const filtering = query.filter !== undefined || query.keep !== undefined;
  const items: Item[] = [];
  for (let round = 0; round < MAX_ROUNDS && items.length <= query.limit; round++) {
    const needed = query.limit + 1 - items.length;
    const input: QueryCommandInput = {
      TableName: config().tableName,
      ...(onIndex ? { IndexName: TABLE_KEYS.listIndex } : {}),
      KeyConditionExpression: condition,
      ...(query.filter ? { FilterExpression: query.filter.expression } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: !query.newestFirst,
      Limit: filtering ? Math.max(needed, FILTERED_ROUND) : needed,
      ExclusiveStartKey: startKey,
    };
    const result = await dynamo().send(new QueryCommand(input));
    for (const item of result.Items ?? []) if (!query.keep || query.keep(item)) items.push(item);
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  if (items.length > query.limit) {
    const page = items.slice(0, query.limit);
    const last = page[page.length - 1] as Item;
    const position = Object.fromEntries(keyAttributes.map((name) => [name, last[name]]));
    return { items: page, next: await sealCursor(position, binding) };
  }
  // Out of rounds with more to read: go on from the last key read (sealed, so it reveals nothing).
  return { items, ...(startKey ? { next: await sealCursor(startKey, binding) } : {}) };
}

/** A sealed position is ours, but is still checked to be a key of this very list. */
async function positionOf(
  cursor: string,
  binding: string,
  keyAttributes: readonly string[],
  partitionKey: string,
  partition: string,
): Promise<Record<string, string>> {
  const position = await openCursor(cursor, binding);
  if (typeof position !== 'object' || position === null || Array.isArray(position)) throw invalidCursor();
  const key = position as Record<string, unknown>;
  const names = Object.keys(key).sort();
  if (names.join() !== [...keyAttributes].sort().join()) throw invalidCursor();
  if (names.some((name) => typeof key[name] !== 'string' || key[name] === '')) throw invalidCursor();
  if (key[partitionKey] !== partition) throw invalidCursor();
  return key as Record<string, string>;
}
