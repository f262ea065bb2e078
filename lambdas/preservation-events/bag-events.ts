import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { type BagEvent, bagEventSchema } from './bag-event-schema.ts';
import { parseStored } from '../schemas/problems.ts';
import { dynamo } from '../aws-clients.ts';
import { bagPartition } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { queryPage } from '../table/query-page.ts';

/**
 * A bag's preservation history (SPEC §5.4), PREMIS-style: what happened to the bag, done by whom,
 * with what outcome. Events live in the bag's registry partition under `EVENT#{date}#{key}`, so one
 * query reads them oldest first; they are written once (conditional put) and never updated.
 */
export type { BagEvent, BagEventType } from './bag-event-schema.ts';

export const EVENT_PREFIX = 'EVENT#';

/**
 * Records an event once. `key` names the event itself (e.g. `ingest:{ingestId}`): a retried workflow
 * step writing the same event with the same date finds it there and leaves it as it is.
 */
export async function recordBagEvent(
  space: string,
  externalIdentifier: string,
  key: string,
  event: Omit<BagEvent, 'type'>,
): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: config().tableName,
        Item: {
          pk: bagPartition(space, externalIdentifier),
          sk: `${EVENT_PREFIX}${event.date}#${key}`,
          kind: 'BagEvent',
          type: 'BagEvent',
          ...event,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** One page of a bag's events, oldest first; cursors are bound to the caller and this list. */
export async function bagEventsPage(
  space: string,
  externalIdentifier: string,
  page: { limit: number; cursor: string | undefined; caller: string },
): Promise<{ events: BagEvent[]; next?: string }> {
  const result = await queryPage({
    binding: ['bag-events', page.caller],
    partition: bagPartition(space, externalIdentifier),
    sortKeyPrefix: EVENT_PREFIX,
    limit: page.limit,
    cursor: page.cursor,
  });
  const events = result.items.map((item) => {
    return parseStored('bag event', item, bagEventSchema);
  });
  return { events, next: result.next };
}
