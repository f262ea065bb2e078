import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../../lambdas/aws-clients.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive, startIngest, uploadArchive, waitForIngest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
/** The one ReplicateChunk to fail once after it has copied its files (a Lambda dying before answering). */
let failOnce: string | undefined;

beforeAll(async () => {
  stack = await startTestStack({
    taskHooks: {
      afterTask: (state, input) => {
        const { ingestId, location } = input as { ingestId: string; location: string };
        if (state !== 'ReplicateChunk' || failOnce !== `${ingestId}#${location}`) return;
        failOnce = undefined;
        throw Object.assign(new Error('The function died after copying'), { name: 'Lambda.Unknown' });
      },
      retryIntervalOverrides: { ReplicateChunk: 10 },
    },
  });
  // Count what the workflows (in this process) send to the local S3, by operation and bucket.
  s3().middlewareStack.add(
    (next, context) => (args) => {
      const bucket = (args.input as { Bucket?: string }).Bucket;
      const name = `${context.commandName as string} ${bucket}`;
      sent.set(name, (sent.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
});
afterAll(async () => {
  await stack?.destroy();
});

const sent = new Map<string, number>();
const count = (command: string, bucket: string) => sent.get(`${command} ${bucket}`) ?? 0;

const files = 40;
const bagOf = (externalIdentifier: string) =>
  bagToTarGz(
    identifiedBag(
      externalIdentifier,
      Object.fromEntries(
        Array.from({ length: files }, (_, i) => [`data/f${String(i).padStart(2, '0')}.txt`, `file ${i}\n`]),
      ),
    ),
  );

describe('the S3 requests of an ingest', () => {
  it('copies each file once into each location and reads every copy back, with no HEAD or listing there', async () => {
    sent.clear();
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'round-trips' },
      await bagOf('round-trips'),
    );
    expect(ingest.status.id).toBe('succeeded');
    for (const bucket of [stack.buckets.primary, stack.buckets.replica]) {
      // Payload files and tag files: one copy and one read-back each, nothing else per file.
      expect(count('CopyObjectCommand', bucket), bucket).toBeGreaterThanOrEqual(files);
      expect(count('CopyObjectCommand', bucket), bucket).toBeLessThanOrEqual(files + 4);
      expect(count('GetObjectCommand', bucket), bucket).toBeGreaterThanOrEqual(files);
      expect(count('HeadObjectCommand', bucket), bucket).toBe(0);
      expect(count('ListObjectsV2Command', bucket), bucket).toBe(0);
    }
  });

  it('copies nothing again when a chunk is retried after its copies were stored, and still reads each back', async () => {
    sent.clear();
    const first = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'retried-once' },
      await bagOf('retried-once'),
    );
    expect(first.status.id).toBe('succeeded');
    const copiesOfOne = count('CopyObjectCommand', stack.buckets.primary);
    const readsOfOne = count('GetObjectCommand', stack.buckets.primary);

    sent.clear();
    const path = `digitised/retried-chunk-${crypto.randomUUID()}.tar.gz`;
    await uploadArchive(stack, path, await bagOf('retried-chunk'));
    const started = await startIngest(stack, {
      space: 'digitised',
      externalIdentifier: 'retried-chunk',
      path,
    });
    failOnce = `${started.id}#primary`;
    const retried = await waitForIngest(stack, started.id);
    expect(retried.status.id).toBe('succeeded');
    expect(failOnce).toBeUndefined();
    // The retry found the first attempt's objects, read each back (verified, kept) and copied none.
    expect(count('CopyObjectCommand', stack.buckets.primary)).toBe(copiesOfOne);
    expect(count('GetObjectCommand', stack.buckets.primary)).toBe(readsOfOne + copiesOfOne);
  });
});
