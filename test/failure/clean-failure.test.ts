import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../lambdas/aws-clients.ts';
import { bagPartition, claimsOf } from '../../lambdas/bags/bag-registry.ts';
import { registerBag } from '../../lambdas/ingest-workflow/bag-register.ts';
import { requireIngest } from '../../lambdas/ingests/ingest-repository.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import {
  ingestArchive,
  type IngestView,
  startIngest,
  uploadArchive,
  waitForIngest,
} from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

type Fault = (input: Record<string, unknown>) => void | Promise<void>;
/** Faults injected into Task states by name, before the handler runs or after it returned. */
const faults = new Map<string, Fault>();
const faultsAfter = new Map<string, Fault>();
const calls = new Map<string, number>();

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    taskHooks: {
      beforeTask: async (state, input) => {
        const fault = faults.get(state);
        if (!fault) return;
        calls.set(state, (calls.get(state) ?? 0) + 1);
        await fault(input as Record<string, unknown>);
      },
      afterTask: async (state, input) => {
        const fault = faultsAfter.get(state);
        if (!fault) return;
        calls.set(state, (calls.get(state) ?? 0) + 1);
        await fault(input as Record<string, unknown>);
      },
      // Retries of the faulted states without their real backoff.
      retryIntervalOverrides: { AggregatingReplicas: 10, VerifyReplicaChunk: 10 },
    },
  });
});
afterAll(async () => {
  await stack?.destroy();
});

function failure(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const { Contents } = await localS3(stack).send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  return (Contents ?? []).map((object) => object.Key as string);
}

const descriptions = (ingest: IngestView) => ingest.events.map((event) => event.description);

/** Ingests `archive` with `fault` injected at the Task state `state`: before its handler runs, or `after` it returned. */
async function ingestWithFault(
  state: string,
  fault: Fault,
  body: Parameters<typeof ingestArchive>[1],
  archive: Buffer,
  { after = false } = {},
): Promise<IngestView> {
  const injected = after ? faultsAfter : faults;
  injected.set(state, fault);
  try {
    return await ingestArchive(stack, body, archive);
  } finally {
    injected.delete(state);
  }
}

/** Nothing of the ingest is left in any storage location, the unpack area or the bag's claims. */
async function expectNothingLeft(ingest: IngestView, space: string, externalIdentifier: string) {
  for (const bucket of [stack.buckets.primary, stack.buckets.replica])
    expect(await keysUnder(bucket, `${space}/${externalIdentifier}/`), bucket).toEqual([]);
  expect(await keysUnder(stack.buckets.primary, `.manifests/${space}/${externalIdentifier}/`)).toEqual([]);
  expect(await keysUnder(stack.buckets.unpack, `${space}/${ingest.id}/`)).toEqual([]);
  expect(await keysUnder(stack.buckets.unpack, `.work/${ingest.id}/`)).toEqual([]);
  const claims = await claimsOf(space, externalIdentifier);
  expect(claims.filter((claim) => claim.ingestId === ingest.id)).toEqual([]);
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: stack.tableName, Key: { pk: `SPACE#${space}`, sk: 'SPACE' } }),
  );
  expect((Item?.reservations as Record<string, number> | undefined)?.[ingest.id]).toBeUndefined();
}

describe('a failure after replication', () => {
  it('Lambda.Unknown at Aggregating replicas is retried, then caught: failed with a reason, nothing left in primary, replica or unpack area', async () => {
    calls.clear();
    const ingest = await ingestWithFault(
      'AggregatingReplicas',
      () => {
        throw failure('Lambda.Unknown', 'Task timed out after 900.00 seconds');
      },
      { space: 'digitised', externalIdentifier: 'lost-at-aggregation' },
      await bagToTarGz(identifiedBag('lost-at-aggregation', { 'data/a.txt': 'alpha', 'data/b.txt': 'beta' })),
      { after: true },
    );
    // Both locations were written before the failure.
    expect(descriptions(ingest)).toContain('Replicating to replica succeeded');
    expect(descriptions(ingest)).toContain('Replicating to primary location succeeded');
    expect(calls.get('AggregatingReplicas')).toBe(3);
    expect(ingest.status.id).toBe('failed');
    expect(descriptions(ingest)).toContain(
      'Aggregating replicas failed - internal error (Lambda.Unknown); the ingest can be retried',
    );
    await stack.stepFunctions.drain();
    await expectNothingLeft(ingest, 'digitised', 'lost-at-aggregation');

    // The version was given back: the same bag is then created as v1.
    const retried = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'lost-at-aggregation' },
      await bagToTarGz(identifiedBag('lost-at-aggregation', { 'data/a.txt': 'alpha', 'data/b.txt': 'beta' })),
    );
    expect(retried.status.id).toBe('succeeded');
    expect(retried.bag.info.version).toBe('v1');
  });

  it('a failed update gives its version back: the next update is v2, not v3', async () => {
    const bag = (text: string) => bagToTarGz(identifiedBag('contiguous', { 'data/a.txt': text }));
    const first = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'contiguous' },
      await bag('one'),
    );
    expect(first.bag.info.version).toBe('v1');
    const failed = await ingestWithFault(
      'AggregatingReplicas',
      () => {
        throw failure('Lambda.Unknown', 'out of memory');
      },
      { space: 'digitised', externalIdentifier: 'contiguous', ingestType: 'update' },
      await bag('two'),
    );
    expect(failed.status.id).toBe('failed');
    expect(failed.bag.info.version).toBe('v2');
    await stack.stepFunctions.drain();
    expect(await keysUnder(stack.buckets.primary, 'digitised/contiguous/v2/')).toEqual([]);
    expect(await keysUnder(stack.buckets.replica, 'digitised/contiguous/v2/')).toEqual([]);
    const next = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'contiguous', ingestType: 'update' },
      await bag('two again'),
    );
    expect(next.status.id).toBe('succeeded');
    expect(next.bag.info.version).toBe('v2');
  });
});

describe('a Register that died after registering the version', () => {
  it('is finished by the failure path: succeeded, in the bag’s history and its fixity schedule', async () => {
    const ingest = await ingestWithFault(
      'Registering',
      async (input) => {
        // The version is in the registry; what follows it (history, quota, unpack area) never ran.
        await registerBag(await requireIngest(input.ingestId as string));
        throw failure('RegisterDied', 'killed after registering');
      },
      { space: 'digitised', externalIdentifier: 'register-died' },
      await bagToTarGz(identifiedBag('register-died', { 'data/a.txt': 'kept' })),
    );
    expect(ingest.status.id).toBe('succeeded');
    expect(await keysUnder(stack.buckets.unpack, `digitised/${ingest.id}/`)).toEqual([]);
    const events = await stack.api('/bags/digitised/register-died/events');
    expect(((await events.json()) as { results: unknown[] }).results).toMatchObject([
      { eventType: 'ingestion', outcome: 'success', version: 'v1', ingestId: ingest.id },
    ]);
    const { Item: schedule } = await dynamo().send(
      new GetCommand({
        TableName: stack.tableName,
        Key: { pk: bagPartition('digitised', 'register-died'), sk: 'FIXITY-SCHEDULE' },
      }),
    );
    expect(schedule?.lastChecked).toBeDefined();
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: stack.tableName, Key: { pk: `SPACE#digitised`, sk: 'SPACE' } }),
    );
    expect((Item?.reservations as Record<string, number> | undefined)?.[ingest.id]).toBeUndefined();
  });
});

describe('a failure in one parallel location', () => {
  it('is attributed to that location’s step, and leaves nothing in either location', async () => {
    const ingest = await ingestWithFault(
      'VerifyReplicaChunk',
      async (input) => {
        if (input.location !== 'replica') return;
        // Let the primary location's branch get ahead, so its steps are the last ones started.
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw failure('RefusalError', 'data/a.txt in replica does not match the bag');
      },
      { space: 'digitised', externalIdentifier: 'bad-replica' },
      await bagToTarGz(identifiedBag('bad-replica', { 'data/a.txt': 'alpha' })),
    );
    expect(ingest.status.id).toBe('failed');
    const failedEvents = descriptions(ingest).filter((text) => text.includes(' failed - '));
    expect(failedEvents).toEqual([
      'Verification (replica) failed - data/a.txt in replica does not match the bag',
    ]);
    await stack.stepFunctions.drain();
    await expectNothingLeft(ingest, 'digitised', 'bad-replica');
  });
});

describe('cancelling', () => {
  it('ends cancelled, with the unpack area empty and nothing claimed', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    faults.set('Verifying', () => held);
    try {
      const path = 'digitised/to-cancel.tar.gz';
      await uploadArchive(
        stack,
        path,
        await bagToTarGz(identifiedBag('to-cancel', { 'data/a.txt': 'alpha' })),
      );
      const started = await startIngest(stack, { space: 'digitised', externalIdentifier: 'to-cancel', path });
      for (let i = 0; i < 100 && !calls.get('Verifying'); i++) await new Promise((r) => setTimeout(r, 50));
      const response = await stack.api(`/ingests/${started.id}/action`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'cancel' }),
      });
      expect(response.status).toBe(202);
      release();
      const ingest = await waitForIngest(stack, started.id);
      await stack.stepFunctions.drain();
      expect(ingest.status.id).toBe('cancelled');
      expect(descriptions(ingest)).toContain('Ingest cancelled by admin');
      expect(descriptions(ingest).filter((text) => text.includes(' failed - '))).toEqual([]);
      await expectNothingLeft(ingest, 'digitised', 'to-cancel');
    } finally {
      release();
      faults.delete('Verifying');
    }
  });
});
