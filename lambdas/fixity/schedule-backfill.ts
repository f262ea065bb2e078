import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamo } from '../aws-clients.ts';
import { bagListPartition } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { parseStored } from '../schemas/problems.ts';
import { allSpaceIds } from '../spaces/space-repository.ts';
import { queryPages } from '../table/query-pages.ts';
import { NEVER_CHECKED, noteBagChecked } from './fixity-schedule.ts';

/**
 * Bags stored before fixity existed have no place in the schedule (a bag is listed when a version
 * is ingested). Each sweep lists a bounded batch of them as never checked, so they come first, walking
 * every space's bag list once; where it stopped is kept in one item, so the walk survives sweeps.
 * Listing is conditional (`onlyIfUnlisted`): a bag already listed keeps its real date.
 */
const PROGRESS_KEY = { pk: 'FIXITY-SCHEDULE', sk: 'BACKFILL' };
/** Bags looked at per sweep, at most (one summary read and one conditional write each). */
export const BACKFILL_BATCH = 1000;

const progressSchema = z.object({
  done: z.boolean().optional(),
  space: z.string().optional(),
  /** The bag list's LastEvaluatedKey where the walk stopped. */
  startKey: z.record(z.string(), z.unknown()).optional(),
});
type Progress = z.output<typeof progressSchema>;

async function progress(): Promise<Progress> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: config().tableName, Key: PROGRESS_KEY, ConsistentRead: true }),
  );
  if (!Item) return {};
  const { pk: _pk, sk: _sk, ...stored } = Item;
  return parseStored('fixity schedule backfill progress', stored, progressSchema);
}

async function saveProgress(next: Progress): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: config().tableName, Item: { ...PROGRESS_KEY, ...next } }));
}

/** Lists up to `batch` unlisted bags; returns how many bags it looked at (0 once the walk is done). */
export async function backfillSchedule(batch = BACKFILL_BATCH): Promise<number> {
  const state = await progress();
  if (state.done) return 0;
  const spaces = (await allSpaceIds()).filter((space) => state.space === undefined || space >= state.space);
  let seen = 0;
  for (const space of spaces) {
    const pages = queryPages(
      {
        TableName: config().tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :list',
        ExpressionAttributeValues: { ':list': bagListPartition(space) },
        ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk, #space, externalIdentifier',
        ExpressionAttributeNames: { '#space': 'space' },
        ExclusiveStartKey: space === state.space ? state.startKey : undefined,
      },
      batch - seen,
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        await noteBagChecked(space, item.externalIdentifier as string, NEVER_CHECKED, {
          onlyIfUnlisted: true,
        });
      }
      seen += page.Items?.length ?? 0;
      if (seen >= batch) {
        // Stopped mid-space (or at its end: the next sweep finds the rest of it empty and moves on).
        const startKey = page.LastEvaluatedKey;
        await saveProgress({ space, ...(startKey ? { startKey } : {}) });
        return seen;
      }
    }
  }
  await saveProgress({ done: true });
  return seen;
}
