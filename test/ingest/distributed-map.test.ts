import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BagFile, readChunk } from '../../lambdas/ingest-workflow/bag-files.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

/**
 * The ingest's Distributed Maps on the local stack, with chunks small enough that a small bag makes
 * many of them: the same ASL file as in AWS, its ItemReader reading the chunk index from the local
 * S3 and its ItemBatcher giving several child executions per location.
 */
const CHUNK_FILES = 3;
const CHUNK_BYTES = 64;

type Batch = { Items: { chunk: number }[]; BatchInput: { ingestId: string; location: string } };
const children: { map: string; input: Batch }[] = [];
const chunks = new Map<string, BagFile[]>();
type Fault = (input: Record<string, unknown>) => void | Promise<void>;
const faults = new Map<string, Fault>();

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    settings: { chunkMaxFiles: String(CHUNK_FILES), chunkMaxBytes: String(CHUNK_BYTES) },
    taskHooks: {
      onChildExecution: (map, input) => children.push({ map, input: input as unknown as Batch }),
      beforeTask: async (state, input) => {
        const { ingestId, chunk } = input as { ingestId: string; chunk: number };
        if (state === 'ReplicateChunk') chunks.set(`${ingestId}#${chunk}`, await readChunk(ingestId, chunk));
        await faults.get(state)?.(input as Record<string, unknown>);
      },
      retryIntervalOverrides: { VerifyReplicaChunk: 10 },
    },
  });
});
afterAll(async () => {
  await stack?.destroy();
});

/** 24 small pages and 3 big scans: chunks close for their file count and for their bytes. */
function payload(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let page = 1; page <= 24; page++)
    files[`data/page-${String(page).padStart(3, '0')}.txt`] = `page ${page}`;
  for (let scan = 1; scan <= 3; scan++) files[`data/scan-${scan}.tif`] = `scan ${scan} `.repeat(20);
  return files;
}

const bagFor = (externalIdentifier: string) => bagToTarGz(identifiedBag(externalIdentifier, payload()));

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const { Contents } = await localS3(stack).send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  return (Contents ?? []).map((object) => object.Key as string);
}

const batchesOf = (map: string, ingestId: string, location: string) =>
  children
    .filter(
      (child) =>
        child.map === map &&
        child.input.BatchInput.ingestId === ingestId &&
        child.input.BatchInput.location === location,
    )
    .map((child) => child.input.Items.map((item) => item.chunk));

describe('an ingest split into several Distributed-Map batches', () => {
  it('replicates and verifies every chunk once per location, in batches of at most 10 chunks, each chunk within the file and byte bounds', async () => {
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'many-batches' },
      await bagFor('many-batches'),
    );
    expect(ingest.status.id).toBe('succeeded');

    const mine = [...chunks].filter(([key]) => key.startsWith(`${ingest.id}#`)).map(([, files]) => files);
    // 27 payload files and 4 tag files, 3 files or 64 bytes a chunk: more than one batch of 10.
    expect(mine.length).toBeGreaterThan(10);
    for (const files of mine) {
      expect(files.length).toBeLessThanOrEqual(CHUNK_FILES);
      const bytes = files.reduce((total, file) => total + file.size, 0);
      if (files.length > 1) expect(bytes).toBeLessThanOrEqual(CHUNK_BYTES);
    }
    const allFiles = mine.flat().map((file) => file.name);
    expect(new Set(allFiles).size).toBe(allFiles.length);
    const everyChunk = mine.map((_, chunk) => chunk);

    for (const location of ['primary', 'replica']) {
      for (const map of ['ReplicatingChunks', 'VerifyingChunks']) {
        const batches = batchesOf(map, ingest.id, location);
        expect(batches.length, `${map} in ${location}`).toBeGreaterThanOrEqual(2);
        for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(10);
        expect(batches.flat().sort((a, b) => a - b)).toEqual(everyChunk);
      }
    }
    for (const bucket of [stack.buckets.primary, stack.buckets.replica]) {
      const stored = await keysUnder(bucket, 'digitised/many-batches/v1/');
      expect(stored.sort()).toEqual(allFiles.map((name) => `digitised/many-batches/v1/${name}`).sort());
    }
  });

  it('a chunk failing in a later batch fails the ingest naming its location and reason, and leaves nothing stored', async () => {
    faults.set('VerifyReplicaChunk', (input) => {
      if (input.location !== 'replica' || (input.chunk as number) < 10) return;
      const error = new Error('data/scan-3.tif in replica does not match the bag');
      error.name = 'RefusalError';
      throw error;
    });
    let ingest;
    try {
      ingest = await ingestArchive(
        stack,
        { space: 'digitised', externalIdentifier: 'bad-late-batch' },
        await bagFor('bad-late-batch'),
      );
    } finally {
      faults.delete('VerifyReplicaChunk');
    }
    expect(ingest.status.id).toBe('failed');
    expect(
      ingest.events.map((event) => event.description).filter((text) => text.includes(' failed - ')),
    ).toEqual(['Verification (replica) failed - data/scan-3.tif in replica does not match the bag']);
    await stack.stepFunctions.drain();
    for (const bucket of [stack.buckets.primary, stack.buckets.replica])
      expect(await keysUnder(bucket, 'digitised/bad-late-batch/')).toEqual([]);
    expect(await keysUnder(stack.buckets.unpack, `.work/${ingest.id}/`)).toEqual([]);
  });
});
