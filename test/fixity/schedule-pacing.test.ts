/**
 * Issue 9 item 4: the schedule checks every bag within the interval at an even rate, oldest check
 * first, under the cap, and lists bags stored before fixity existed as the oldest. Sweeps are called
 * with a simulated clock against the local stack's DynamoDB (its own timer is set far apart).
 */
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../lambdas/aws-clients.ts';
import { ENV } from '../../lambdas/config.ts';
import {
  type DueBag,
  NEVER_CHECKED,
  noteBagChecked,
  pace,
  sweep,
} from '../../lambdas/fixity/fixity-schedule.ts';
import { backfillSchedule } from '../../lambdas/fixity/schedule-backfill.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { storeBag } from '../support/stored-bag.ts';

const SWEEP = 600;
const INTERVAL = 6000;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    settings: {
      fixitySweepSeconds: String(SWEEP),
      fixityIntervalSeconds: String(INTERVAL),
      fixityMaxConcurrentRuns: '3',
    },
  });
});
afterAll(() => stack?.destroy());

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const nameOf = (bag: DueBag) => `${bag.space}/${bag.externalIdentifier}`;

/** One sweep at `now`, starting nothing real: the runs it would start, in order. */
async function sweepAt(now: Date): Promise<string[]> {
  const started: string[] = [];
  await sweep(async (bag) => {
    started.push(nameOf(bag));
  }, now);
  return started;
}

async function listedDate(space: string, externalIdentifier: string): Promise<string | undefined> {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: stack.tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': `BAG#${space}#${externalIdentifier}`, ':sk': 'FIXITY-SCHEDULE' },
    }),
  );
  return Items?.[0]?.lastChecked as string | undefined;
}

describe('the pace of the fixity schedule', () => {
  it('starts ceil(bags × sweep period / interval) runs per sweep, oldest check first, so every bag is checked within the interval', async () => {
    // Twenty bags ingested within a minute of each other: a burst the schedule must spread out.
    const bags = Array.from({ length: 20 }, (_, n) => `paced-${String(n).padStart(2, '0')}`);
    for (const [n, bag] of bags.entries()) await noteBagChecked('digitised', bag, at(-60 + n).toISOString());
    expect(pace(20, SWEEP, INTERVAL).perSweep).toBe(2);

    const checks = new Map<string, number[]>();
    const perSweep: number[] = [];
    for (let sweepNumber = 1; sweepNumber <= 20; sweepNumber++) {
      const started = await sweepAt(at(sweepNumber * SWEEP));
      perSweep.push(started.length);
      for (const name of started) checks.set(name, [...(checks.get(name) ?? []), sweepNumber * SWEEP]);
      if (sweepNumber === 1) expect(started).toEqual(['digitised/paced-00', 'digitised/paced-01']);
    }
    // An even rate: the same number every sweep, never the whole backlog at once.
    expect(perSweep).toEqual(Array(20).fill(2));
    // Every bag checked in the first interval, in the order of its last check, and again in the next.
    expect([...checks.keys()]).toEqual(bags.map((bag) => `digitised/${bag}`));
    for (const [name, times] of checks) {
      expect(times, name).toHaveLength(2);
      expect(times[0]!, name).toBeLessThanOrEqual(INTERVAL);
      expect(times[1]! - times[0]!, name).toBeLessThanOrEqual(INTERVAL);
    }
  });

  it('never starts more than the cap on runs in flight allows', async () => {
    const cap = process.env[ENV.fixityMaxConcurrentRuns];
    process.env[ENV.fixityMaxConcurrentRuns] = '1';
    try {
      expect(await sweepAt(at(21 * SWEEP))).toHaveLength(1);
    } finally {
      process.env[ENV.fixityMaxConcurrentRuns] = cap;
    }
    expect(await sweepAt(at(22 * SWEEP))).toHaveLength(2);
  });

  it('does not re-check a small archive every sweep: a bag becomes due only its cycle before the interval is up', () => {
    const day = 86_400;
    expect(pace(4, 3600, 90 * day)).toEqual({ perSweep: 1, leadSeconds: 4 * 3600 });
    expect(pace(1_000_000, 3600, 90 * day)).toEqual({ perSweep: 463, leadSeconds: 90 * day });
  });

  it('lists bags stored before fixity existed as never checked, in batches across sweeps, and checks them first', async () => {
    // Stored without an ingest (as before fixity existed): no place in the schedule.
    const old = ['pre-a', 'pre-b', 'pre-c'];
    for (const externalIdentifier of old) {
      await storeBag({
        space: 'born-digital',
        externalIdentifier,
        files: [{ path: 'data/a.txt', content: 'a' }],
      });
      expect(await listedDate('born-digital', externalIdentifier)).toBeUndefined();
    }
    // A bag the schedule already knows keeps its real date.
    await storeBag({
      space: 'born-digital',
      externalIdentifier: 'pre-known',
      files: [{ path: 'data/a.txt', content: 'k' }],
    });
    await noteBagChecked('born-digital', 'pre-known', at(0).toISOString());
    // Earlier sweeps of this stack may have walked the (then empty) spaces already: start the walk afresh.
    await dynamo().send(
      new DeleteCommand({ TableName: stack.tableName, Key: { pk: 'FIXITY-SCHEDULE', sk: 'BACKFILL' } }),
    );

    expect(await backfillSchedule(2)).toBe(2);
    expect(await backfillSchedule(2)).toBe(2);
    expect(await backfillSchedule(2)).toBe(0);
    for (const externalIdentifier of old)
      expect(await listedDate('born-digital', externalIdentifier)).toBe(NEVER_CHECKED);
    expect(await listedDate('born-digital', 'pre-known')).toBe(at(0).toISOString());

    const first = await sweepAt(at(23 * SWEEP));
    const second = await sweepAt(at(24 * SWEEP));
    expect([...first, ...second].slice(0, 3)).toEqual(old.map((name) => `born-digital/${name}`));
  });
});
