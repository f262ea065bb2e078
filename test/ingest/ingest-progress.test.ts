/**
 * SPEC §5.2 and issue 11 item 6: progress counts the bag once and moves while the archive is
 * unpacked and again while it is replicated; per-chunk markers are items of their own; a space's
 * ingests are listed in several partitions and `GET /ingests?space=` merges them page by page.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../lambdas/aws-clients.ts';
import { Readable } from 'node:stream';
import { countReplicatedChunk, unpackProgress } from '../../lambdas/ingest-workflow/progress.ts';
import { updateIngest } from '../../lambdas/ingests/ingest-repository.ts';
import { seedIngest } from '../api/ingest-fixture.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { type IngestView, ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

type Progress = IngestView['progress'];
let stack: TestStack;
/** Progress as a poller saw it: after unpacking, and after each location's replication of the chunk. */
const seen: { afterUnpacking?: Progress; afterChunks: Progress[] } = { afterChunks: [] };

async function progressOf(input: unknown): Promise<Progress> {
  const { ingestId } = input as { ingestId: string };
  return ((await (await stack.api(`/ingests/${ingestId}`)).json()) as IngestView).progress;
}

/** The replica's copy waits for the primary's to be counted and seen, so each step shows on its own. */
let primarySeen: () => void = () => undefined;
const primaryCounted = new Promise<void>((resolve) => {
  primarySeen = resolve;
});
const locationOf = (input: unknown) => (input as { location: string }).location;

beforeAll(async () => {
  stack = await startTestStack({
    taskHooks: {
      beforeTask: async (state, input) => {
        if (state === 'DetectingBagRoot') seen.afterUnpacking = await progressOf(input);
        if (state === 'ReplicateChunk' && locationOf(input) !== 'primary')
          await Promise.race([primaryCounted, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      },
      afterTask: async (state, input) => {
        if (state !== 'ReplicateChunk') return;
        seen.afterChunks.push(await progressOf(input));
        if (locationOf(input) === 'primary') primarySeen();
      },
    },
  });
});
afterAll(() => stack?.destroy());

async function rawItems(pk: string) {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: stack.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return Items ?? [];
}

describe('ingest progress', () => {
  it('moves during unpacking over the upload’s size, then during replication over the bag counted once', async () => {
    const payload = { 'data/a.txt': 'a'.repeat(3000), 'data/b.txt': 'b'.repeat(5000) };
    const archive = await bagToTarGz(identifiedBag('progressing', payload));
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'progressing' },
      archive,
    );
    expect(ingest.status.id).toBe('succeeded');

    expect(seen.afterUnpacking).toMatchObject({ bytesTotal: archive.length, bytesDone: archive.length });
    expect(seen.afterUnpacking?.filesDone).toBe(seen.afterUnpacking?.filesTotal);
    expect(seen.afterUnpacking?.filesTotal).toBeGreaterThanOrEqual(4);

    const manifest = (await (await stack.api('/bags/digitised/progressing')).json()) as {
      manifest: { files: { size: number }[] };
      tagManifest: { files: { size: number }[] };
    };
    const files = [...manifest.manifest.files, ...manifest.tagManifest.files];
    const bagBytes = files.reduce((sum, file) => sum + file.size, 0);
    // One chunk, two locations: half the bag after the first, all of it after the second.
    expect(seen.afterChunks).toEqual([
      {
        bytesTotal: bagBytes,
        bytesDone: Math.floor(bagBytes / 2),
        filesTotal: files.length,
        filesDone: Math.floor(files.length / 2),
      },
      { bytesTotal: bagBytes, bytesDone: bagBytes, filesTotal: files.length, filesDone: files.length },
    ]);
    expect(ingest.progress).toEqual({
      bytesTotal: bagBytes,
      bytesDone: bagBytes,
      filesTotal: files.length,
      filesDone: files.length,
    });

    // The listed item holds no chunk markers; each marker is an item of its own.
    const items = await rawItems(`INGEST#${ingest.id}`);
    const listed = items.find((item) => item.sk === 'INGEST') as Record<string, unknown>;
    expect(listed.chunksDone).toBeUndefined();
    expect((listed.countingChunks as Set<string> | undefined)?.size ?? 0).toBe(0);
    expect(items.filter((item) => String(item.sk).startsWith('CHUNK#')).map((item) => item.state)).toEqual([
      'counted',
      'counted',
    ]);
  });

  it('reports unpacking while the archive is still being read, never past the upload’s size', async () => {
    const ingest = await seedIngest({ externalIdentifier: 'slow-archive' });
    const progress = await unpackProgress(ingest.id, 5000, 10);
    const seenWhileReading: number[] = [];
    async function* slowArchive() {
      for (let part = 0; part < 5; part++) {
        yield Buffer.alloc(1000);
        await new Promise((resolve) => setTimeout(resolve, 40));
        seenWhileReading.push((await progressOf({ ingestId: ingest.id })).bytesDone);
      }
    }
    for await (const _chunk of progress.counting(Readable.from(slowArchive()))) progress.file();
    await progress.finish(5);
    expect(seenWhileReading.some((bytes) => bytes > 0 && bytes < 5000)).toBe(true);
    expect(seenWhileReading).toEqual([...seenWhileReading].sort((a, b) => a - b));
    expect(await progressOf({ ingestId: ingest.id })).toEqual({
      bytesTotal: 5000,
      bytesDone: 5000,
      filesTotal: 5,
      filesDone: 5,
    });
  });

  it('counts a chunk once when its step is retried, even after a crash between counting and marking it counted', async () => {
    const ingest = await seedIngest({ externalIdentifier: 'retried' });
    await updateIngest(ingest.id, {
      set: {
        progressPhase: 'replicating',
        progressLocations: 2,
        replicated: { bytes: 0, files: 0 },
        progress: { bytesTotal: 100, bytesDone: 0, filesTotal: 10, filesDone: 0 },
      },
    });
    await countReplicatedChunk(ingest.id, 'primary#0', 60, 6);
    await countReplicatedChunk(ingest.id, 'primary#0', 60, 6);
    // A run that died after adding its bytes (marker pending, still among the chunks being counted).
    await dynamo().send(
      new PutCommand({
        TableName: stack.tableName,
        Item: { pk: `INGEST#${ingest.id}`, sk: 'CHUNK#replica#0', state: 'pending', bytes: 60, files: 6 },
      }),
    );
    await updateIngest(ingest.id, {
      set: {},
      add: { 'replicated.bytes': 60, 'replicated.files': 6, countingChunks: new Set(['replica#0']) },
    });
    await countReplicatedChunk(ingest.id, 'replica#0', 60, 6);
    const progress = ((await (await stack.api(`/ingests/${ingest.id}`)).json()) as IngestView).progress;
    expect(progress).toEqual({ bytesTotal: 100, bytesDone: 60, filesTotal: 10, filesDone: 6 });
    const listed = (await rawItems(`INGEST#${ingest.id}`)).find((item) => item.sk === 'INGEST');
    expect((listed?.countingChunks as Set<string> | undefined)?.size ?? 0).toBe(0);
  });
});

describe('the ingest list of a space', () => {
  it('spreads a space’s ingests over several partitions and merges them newest first, page by page', async () => {
    const created: { id: string; createdDate: string; status: string }[] = [];
    for (let n = 0; n < 24; n++) {
      const createdDate = new Date(Date.UTC(2026, 2, 1, 0, n)).toISOString();
      const status = n % 3 === 0 ? 'failed' : 'succeeded';
      const ingest = await seedIngest({ space: 'born-digital', createdDate, status: status as 'failed' });
      created.push({ id: ingest.id, createdDate, status });
    }
    // One listed the old way, in the space's single partition, before sharding.
    const legacy = await seedIngest({ space: 'born-digital', createdDate: '2026-03-01T00:07:30.000Z' });
    await updateIngest(legacy.id, { set: { gsi1pk: 'INGESTS#born-digital' } });
    created.push({ id: legacy.id, createdDate: legacy.createdDate, status: 'accepted' });

    const partitions = new Set<string>();
    for (const { id } of created)
      partitions.add((await rawItems(`INGEST#${id}`)).find((item) => item.sk === 'INGEST')?.gsi1pk as string);
    expect(partitions.size).toBeGreaterThanOrEqual(4);

    const newestFirst = [...created].sort((a, b) => b.createdDate.localeCompare(a.createdDate));
    for (const [query, expected] of [
      ['', newestFirst],
      ['&status=failed', newestFirst.filter((ingest) => ingest.status === 'failed')],
    ] as const) {
      const walked: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const response = await stack.api(
          `/ingests?space=born-digital&limit=5${query}${next ? `&next=${encodeURIComponent(next)}` : ''}`,
        );
        expect(response.status).toBe(200);
        const page = (await response.json()) as { results: { id: string }[]; next?: string };
        expect(page.results.length).toBeLessThanOrEqual(5);
        walked.push(...page.results.map((result) => result.id));
        next = page.next;
        pages += 1;
      } while (next && pages < 20);
      expect(walked).toEqual(expected.map((ingest) => ingest.id));
    }
  });
});
