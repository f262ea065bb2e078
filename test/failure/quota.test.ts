import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../lambdas/aws-clients.ts';
import { commitQuota, releaseQuota, reserveQuota } from '../../lambdas/spaces/quota.ts';
import { ensureSpace } from '../../lambdas/spaces/space-repository.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive, type IngestView } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
let failAggregation = false;

beforeAll(async () => {
  stack = await startTestStack({
    taskHooks: {
      afterTask: (state) => {
        if (state === 'AggregatingReplicas' && failAggregation) throw new Error('replica bucket unavailable');
      },
    },
  });
});
afterAll(async () => {
  await stack?.destroy();
});

async function spaceItem(space: string) {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: stack.tableName,
      Key: { pk: `SPACE#${space}`, sk: 'SPACE' },
      ConsistentRead: true,
    }),
  );
  return Item as { used: number; reserved?: number; quota: number | null; bagCount: number };
}

const bagOf = (externalIdentifier: string, bytes: number) =>
  bagToTarGz(identifiedBag(externalIdentifier, { 'data/a.bin': Buffer.alloc(bytes, 7) }));

describe('quota reservations (one conditional write each)', () => {
  it('never let twenty concurrent reservations overshoot the quota', async () => {
    await ensureSpace('quota-direct', 'reservations', 5000);
    const ids = Array.from({ length: 20 }, () => crypto.randomUUID());
    const results = await Promise.allSettled(ids.map((id) => reserveQuota('quota-direct', id, 1000)));
    const granted = ids.filter((_, index) => results[index]!.status === 'fulfilled');
    expect(granted).toHaveLength(5);
    const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as Error).message).toBe(
      'space quota-direct has 0 bytes left of its 5 KB quota; this bag needs 1 KB',
    );
    expect((await spaceItem('quota-direct')).reserved).toBe(5000);

    // Retried calls count once: a second reserve, release or commit of the same ingest changes nothing.
    await reserveQuota('quota-direct', granted[0]!, 1000);
    expect((await spaceItem('quota-direct')).reserved).toBe(5000);
    expect(await releaseQuota('quota-direct', granted[0]!)).toBe(true);
    expect(await releaseQuota('quota-direct', granted[0]!)).toBe(false);
    expect((await spaceItem('quota-direct')).reserved).toBe(4000);
    expect(await commitQuota('quota-direct', granted[1]!, true)).toBe(true);
    expect(await commitQuota('quota-direct', granted[1]!, true)).toBe(false);
    expect(await spaceItem('quota-direct')).toMatchObject({ used: 1000, reserved: 3000, bagCount: 1 });
  });
});

describe('ingests into a space with a quota', () => {
  it('two concurrent ingests that do not both fit: one succeeds, the other fails at Assigning bag version, and used stays within the quota', async () => {
    await ensureSpace('quota-race', 'two ingests, room for one', 5000);
    const [first, second] = await Promise.all([
      ingestArchive(stack, { space: 'quota-race', externalIdentifier: 'q1' }, await bagOf('q1', 3000)),
      ingestArchive(stack, { space: 'quota-race', externalIdentifier: 'q2' }, await bagOf('q2', 3000)),
    ]);
    const statuses = [first.status.id, second.status.id].sort();
    expect(statuses).toEqual(['failed', 'succeeded']);
    const refused = [first, second].find((ingest) => ingest.status.id === 'failed') as IngestView;
    const reason = refused.events
      .map((event) => event.description)
      .find((text) => text.includes('failed - '));
    expect(reason).toMatch(
      /^Assigning bag version failed - space quota-race has [\d.]+ (bytes|KB) left of its 5 KB quota; this bag needs [\d.]+ KB$/,
    );
    expect(refused.bag.info.version).toBeUndefined();
    const space = await spaceItem('quota-race');
    expect(space.used).toBeGreaterThan(3000);
    expect(space.used).toBeLessThanOrEqual(5000);
    expect(space.reserved).toBe(0);
  });

  it('a failed ingest gives its reservation back, so the next one fits', async () => {
    await ensureSpace('quota-return', 'room for one', 5000);
    failAggregation = true;
    let failed: IngestView;
    try {
      failed = await ingestArchive(
        stack,
        { space: 'quota-return', externalIdentifier: 'r1' },
        await bagOf('r1', 3000),
      );
    } finally {
      failAggregation = false;
    }
    expect(failed.status.id).toBe('failed');
    expect(await spaceItem('quota-return')).toMatchObject({ used: 0, reserved: 0 });
    const next = await ingestArchive(
      stack,
      { space: 'quota-return', externalIdentifier: 'r2' },
      await bagOf('r2', 3000),
    );
    expect(next.status.id).toBe('succeeded');
    expect((await spaceItem('quota-return')).reserved).toBe(0);
  });
});
