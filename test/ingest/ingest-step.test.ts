/**
 * The shape every ingest step handler shares (lambdas/ingest-workflow/ingest-step.ts), against
 * DynamoDB and S3 mocked at the SDK level so the order of its writes can be read; the local stack's
 * ingest tests run the same handlers end to end.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { ingestStep } from '../../lambdas/ingest-workflow/ingest-step.ts';
import type { IngestStatus } from '../../lambdas/ingests/ingest.ts';
import { lambdaContext } from '../../local/handler-modules.ts';
import { mockS3AndDynamo } from '../support/mocked-aws.ts';
import { ingestItem } from '../support/ingest-record.ts';

const { s3, dynamo } = mockS3AndDynamo();

const ingestId = '4b7c9e1a-6d2f-4e8b-a1c3-5f9d2e7b8c40';
let status: IngestStatus = 'processing';
/** What happened, in order: the work, and every event (with the status it set, if any). */
let happened: string[] = [];

beforeEach(() => {
  status = 'processing';
  happened = [];
  s3.reset();
  dynamo.reset();
  process.env.BAGVAULT_TABLE = 'table';
  process.env.BAGVAULT_UNPACK_BUCKET = 'unpack-bucket';
  s3.on(ListObjectsV2Command).resolves({ IsTruncated: false });
  dynamo.on(GetCommand).callsFake(async () => ({
    Item: ingestItem({ id: ingestId, externalIdentifier: 'b1', status }),
  }));
  dynamo
    .on(UpdateCommand)
    .callsFake(async (input: { ExpressionAttributeValues: Record<string, unknown> }) => {
      // Events only (an ingest's first event also moves it on from accepted, in a write of its own).
      const [event] = (input.ExpressionAttributeValues[':event'] ?? []) as { description: string }[];
      const newStatus = input.ExpressionAttributeValues[':newStatus'];
      if (event) happened.push(newStatus ? `${event.description} [${newStatus}]` : event.description);
      return {};
    });
});

const run = (handler: (input: never, context: never) => Promise<unknown>, input: object = {}) =>
  handler({ ingestId, ...input } as never, lambdaContext('bagvault-ingest-test') as never);

describe('an ingest step', () => {
  it('records "{step} started", does the work, records "{step} succeeded - {detail}" and hands on its output', async () => {
    const handler = ingestStep('Detecting bag root', async (_ingest, input: { hint: string }) => {
      happened.push(`work (${input.hint})`);
      return { output: 'bag/', detail: 'bag root is bag/' };
    });
    expect(await run(handler, { hint: 'from the input' })).toBe('bag/');
    expect(happened).toEqual([
      'Detecting bag root started',
      'work (from the input)',
      'Detecting bag root succeeded - bag root is bag/',
    ]);
  });

  it('does not start for an ingest that was cancelled or has failed', async () => {
    const handler = ingestStep('Unpacking', async () => {
      happened.push('work');
      return { output: null };
    });
    for (const [ended, error] of [
      ['cancelled', 'IngestCancelled'],
      ['failed', 'IngestEnded'],
    ] as const) {
      status = ended;
      await expect(run(handler)).rejects.toMatchObject({ name: error });
    }
    expect(happened).toEqual([]);
  });

  it('that may be cancelled stops after its work when a cancel came meanwhile, and never says it succeeded', async () => {
    const handler = ingestStep(
      'Unpacking',
      async () => {
        status = 'cancelled';
        happened.push('work');
        return { output: null, detail: 'Unpacked 3 bytes from 1 files' };
      },
      { cancellable: true },
    );
    await expect(run(handler)).rejects.toMatchObject({ name: 'IngestCancelled' });
    expect(happened).toEqual(['Unpacking started', 'work']);
    // The unpack area the work wrote to after the cancel's own cleanup is emptied again.
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix)).toEqual([
      `digitised/${ingestId}/`,
      `.work/${ingestId}/`,
    ]);
  });

  it('that continues in the next Task records no success', async () => {
    const handler = ingestStep('Unpacking', async () => ({ output: { bytes: 3 } }), { continues: true });
    expect(await run(handler)).toEqual({ bytes: 3 });
    expect(happened).toEqual(['Unpacking started']);
  });

  it('that finishes the ingest sets `succeeded` with its success event, and does nothing once it has succeeded', async () => {
    const handler = ingestStep(
      'Register',
      async () => {
        happened.push('work');
        return { output: null, detail: 'registered digitised/b1 v1' };
      },
      { finishes: true },
    );
    await run(handler);
    expect(happened).toEqual([
      'Register started',
      'work',
      'Register succeeded - registered digitised/b1 v1 [succeeded]',
    ]);
    status = 'succeeded';
    happened = [];
    expect(await run(handler)).toBeNull();
    expect(happened).toEqual([]);
  });
});
