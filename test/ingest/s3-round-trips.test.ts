import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../../lambdas/aws-clients.ts';
import { buildBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

describe('the S3 requests of an ingest', () => {
  it('replicates a new bag without a HEAD per file, still reading back every stored copy', async () => {
    const files = 40;
    const payload = Object.fromEntries(
      Array.from({ length: files }, (_, i) => [`data/f${String(i).padStart(2, '0')}.txt`, `file ${i}\n`]),
    );
    // Count what the workflows (in this process) send to the local S3.
    const sent = new Map<string, number>();
    s3().middlewareStack.add(
      (next, context) => (args) => {
        sent.set(context.commandName as string, (sent.get(context.commandName as string) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'round-trips' },
      await bagToTarGz(buildBag({ payload, info: [['External-Identifier', 'round-trips']] })),
    );
    expect(ingest.status.id).toBe('succeeded');
    // Two locations: a copy and a read-back of every payload and tag file in each, no HEAD per file.
    expect(sent.get('HeadObjectCommand') ?? 0).toBeLessThan(files / 4);
    expect(sent.get('CopyObjectCommand')).toBeGreaterThanOrEqual(2 * files);
    expect(sent.get('GetObjectCommand')).toBeGreaterThanOrEqual(2 * files);
  });
});
