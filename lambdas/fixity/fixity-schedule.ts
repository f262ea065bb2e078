import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { bagPartition } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { runningRuns } from './fixity-runs.ts';

/**
 * When each bag was last checked, listed in gsi1 under `FIXITY-SCHEDULE` sorted by that date, so the
 * sweep reads the most overdue bags first with one query. A bag enters the list when a version is
 * ingested (the ingest verified every copy) and moves to the back when a check starts.
 */
const SCHEDULE_LIST = 'FIXITY-SCHEDULE';
export const SCHEDULE_AGENT = { type: 'service', id: 'Bagvault fixity schedule' } as const;

export async function noteBagChecked(
  space: string,
  externalIdentifier: string,
  date: string,
  options: { onlyIfUnlisted?: boolean } = {},
): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: config().tableName,
        Item: {
          pk: bagPartition(space, externalIdentifier),
          sk: 'FIXITY-SCHEDULE',
          gsi1pk: SCHEDULE_LIST,
          gsi1sk: `${date}#${space}#${externalIdentifier}`,
          space,
          externalIdentifier,
          lastChecked: date,
        },
        // Never moves a bag back in time (a late finish after a newer start).
        ConditionExpression: options.onlyIfUnlisted
          ? 'attribute_not_exists(pk)'
          : 'attribute_not_exists(pk) OR lastChecked < :date',
        ExpressionAttributeValues: options.onlyIfUnlisted ? undefined : { ':date': date },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export interface DueBag {
  space: string;
  externalIdentifier: string;
  lastChecked: string;
}

/** Bags last checked before `before`, oldest check first, at most `limit`. */
export async function dueBags(before: string, limit: number): Promise<DueBag[]> {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: config().tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :list AND gsi1sk < :before',
      ExpressionAttributeValues: { ':list': SCHEDULE_LIST, ':before': before },
      Limit: limit,
    }),
  );
  return (Items ?? []).map((item) => ({
    space: item.space as string,
    externalIdentifier: item.externalIdentifier as string,
    lastChecked: item.lastChecked as string,
  }));
}

/**
 * One sweep: starts checks of the bags whose last check is older than the interval, oldest first,
 * without exceeding the cap on runs in flight. Called by EventBridge Scheduler (AWS) or the local
 * stack's timer; each call starts at most `cap - running` runs, so the work spreads over sweeps.
 */
export async function sweep(
  start: (bag: DueBag) => Promise<unknown>,
  now: Date = new Date(),
): Promise<DueBag[]> {
  const settings = config();
  const slots = settings.fixityMaxConcurrentRuns - (await runningRuns()).length;
  if (slots <= 0) return [];
  const before = new Date(now.getTime() - settings.fixityIntervalSeconds * 1000).toISOString();
  const due = await dueBags(before, slots);
  for (const bag of due) {
    await noteBagChecked(bag.space, bag.externalIdentifier, now.toISOString());
    await start(bag);
  }
  return due;
}
