import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { bagPartition } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { NotFound } from '../errors.ts';
import { logger } from '../observability.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { queryPages } from '../table/query-pages.ts';
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

/** The date a bag stored before fixity existed is listed with: it sorts before every real check. */
export const NEVER_CHECKED = '0000-00-00T00:00:00.000Z';

/** Bags last checked at or before `before`, oldest check first, at most `limit`. */
export async function dueBags(before: string, limit: number): Promise<DueBag[]> {
  const bags: DueBag[] = [];
  const pages = queryPages(
    {
      TableName: config().tableName,
      IndexName: 'gsi1',
      // `~` sorts after the `#space#id` suffix, so a bag checked exactly at `before` is included.
      KeyConditionExpression: 'gsi1pk = :list AND gsi1sk < :before',
      ExpressionAttributeValues: { ':list': SCHEDULE_LIST, ':before': `${before}~` },
    },
    limit,
  );
  for await (const page of pages)
    for (const item of page.Items ?? [])
      bags.push({
        space: item.space as string,
        externalIdentifier: item.externalIdentifier as string,
        lastChecked: item.lastChecked as string,
      });
  return bags;
}

/** How many bags the schedule lists (every stored bag, once the backfill has run). */
async function listedBags(): Promise<number> {
  let count = 0;
  const pages = queryPages({
    TableName: config().tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :list',
    ExpressionAttributeValues: { ':list': SCHEDULE_LIST },
    Select: 'COUNT',
  });
  for await (const page of pages) count += page.Count ?? 0;
  return count;
}

/**
 * The pace: a sweep starts `perSweep` runs, so `bags` bags take `cycle` seconds to go round once.
 * A bag becomes eligible `cycle` seconds before its interval is up, so even a batch of bags ingested
 * together (or backfilled together) is spread over the sweeps and each is still checked within the
 * interval; none is checked long before its turn (a small archive is not re-checked every sweep).
 */
export function pace(bags: number, sweepSeconds: number, intervalSeconds: number) {
  const perSweep = Math.max(1, Math.ceil((bags * sweepSeconds) / intervalSeconds));
  const cycleSeconds = Math.min(intervalSeconds, Math.ceil(bags / perSweep) * sweepSeconds);
  return { perSweep, leadSeconds: cycleSeconds };
}

/**
 * One sweep: starts checks of the bags whose last check is oldest at the pace above, never exceeding
 * the cap on runs in flight. Called by EventBridge Scheduler (AWS) or the local stack's timer, after
 * the backfill (schedule-backfill.ts) has listed a batch of bags stored before fixity existed.
 */
export async function sweep(
  start: (bag: DueBag) => Promise<unknown>,
  now: Date = new Date(),
): Promise<DueBag[]> {
  const settings = config();
  const slots = settings.fixityMaxConcurrentRuns - (await runningRuns()).length;
  if (slots <= 0) return [];
  const { perSweep, leadSeconds } = pace(
    await listedBags(),
    settings.fixitySweepSeconds,
    settings.fixityIntervalSeconds,
  );
  const before = new Date(now.getTime() - (settings.fixityIntervalSeconds - leadSeconds) * 1000);
  const due = await dueBags(before.toISOString(), Math.min(slots, perSweep));
  const started: DueBag[] = [];
  for (const bag of due) {
    await noteBagChecked(bag.space, bag.externalIdentifier, now.toISOString());
    try {
      await start(bag);
      started.push(bag);
    } catch (error) {
      // A bag deleted since it was listed leaves the schedule; any other failure waits for its turn.
      if (error instanceof NotFound) await forgetBag(bag.space, bag.externalIdentifier);
      else logger.error('A scheduled fixity check could not start', { bag, error: error as Error });
    }
  }
  return started;
}

async function forgetBag(space: string, externalIdentifier: string): Promise<void> {
  await dynamo().send(
    new DeleteCommand({
      TableName: config().tableName,
      Key: { pk: bagPartition(space, externalIdentifier), sk: 'FIXITY-SCHEDULE' },
    }),
  );
}
