import { parseStored } from '../schemas/problems.ts';
import { type Space, spaceSchema } from './space-schema.ts';
import { canUseSpace, type Principal } from '../auth/principal.ts';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { queryPage } from '../table/query-page.ts';
import { queryPages } from '../table/query-pages.ts';

export type { Space } from './space-schema.ts';

export const SPACE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const spaceKey = (id: string) => ({ pk: `SPACE#${id}`, sk: 'SPACE' });
const keyOf = spaceKey;
const LIST_PARTITION = 'SPACES';

/** The table item of a new space, with nothing used yet. */
export function spaceItem(id: string, description: string, quota: number | null) {
  return {
    ...keyOf(id),
    gsi1pk: LIST_PARTITION,
    gsi1sk: id,
    type: 'Space',
    id,
    description,
    quota,
    used: 0,
    bagCount: 0,
  };
}

/** A space item; counters a new space has not written yet read as 0. */
export function toSpace(item: Record<string, unknown>): Space {
  return parseStored('space', { description: '', quota: null, used: 0, bagCount: 0, ...item }, spaceSchema);
}

export async function getSpace(id: string): Promise<Space | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: config().tableName, Key: keyOf(id), ConsistentRead: true }),
  );
  return Item ? toSpace(Item) : undefined;
}

/** Creates the space unless it exists (idempotent, so the local stack can call it on every start). */
export async function ensureSpace(
  id: string,
  description: string,
  quota: number | null = null,
): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: config().tableName,
        Item: spaceItem(id, description, quota),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * The spaces `viewer` may use, by id. Others are dropped before the page is cut, so they never
 * shape a page or its cursor; the cursor is bound to the viewer's user and spaces.
 */
export async function listSpaces(limit: number, cursor: string | undefined, viewer: Principal) {
  const page = await queryPage({
    binding: ['spaces', viewer.user, viewer.spaces.join(',')],
    index: 'list',
    partition: LIST_PARTITION,
    keep: (item) => canUseSpace(viewer, item.id as string),
    limit,
    cursor,
  });
  return { spaces: page.items.map(toSpace), next: page.next };
}

/** Every space's id, in id order (spaces are few: an operator creates each). */
export async function allSpaceIds(): Promise<string[]> {
  const ids: string[] = [];
  const pages = queryPages({
    TableName: config().tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :list',
    ExpressionAttributeValues: { ':list': LIST_PARTITION },
    ProjectionExpression: 'id',
  });
  for await (const page of pages) for (const item of page.Items ?? []) ids.push(item.id as string);
  return ids;
}

/** Adds a newly registered bag version's bytes (and, for a new bag, one to the count). */
export async function recordStoredBytes(id: string, bytes: number, newBag: boolean): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: config().tableName,
      Key: keyOf(id),
      UpdateExpression: 'ADD used :bytes, bagCount :bags',
      ExpressionAttributeValues: { ':bytes': bytes, ':bags': newBag ? 1 : 0 },
    }),
  );
}
