import type { StoredFile } from '../bagit/bag-store.ts';
import type { FetchEntry } from '../bagit/fetch-file.ts';
import { describeFileFailures } from '../bagit/file-failures.ts';
import { checkFetchedFiles, checkIngestPolicy, type FetchResolution } from '../bagit/ingest-policy.ts';
import { verifyBag } from '../bagit/verify-bag.ts';
import { getStoredFile, type StoredFileRecord } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { S3BagStore } from '../storage/s3-bag-store.ts';
import { getJson, putJson } from '../storage/s3-objects.ts';
import {
  chunkIndexKey,
  chunkKey,
  parseStoredFileId,
  unpackPrefix,
  workPrefix,
} from '../storage/storage-layout.ts';
import { digestStream } from '../storage/stream-digest.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { ChunkListWriter } from '../workflows/chunk-list.ts';
import type { BagFile, BagSummary } from './bag-files.ts';
import { readUnpackedFiles } from './unpacked-files.ts';

export const bagSummaryKey = (ingestId: string) => `${workPrefix(ingestId)}bag.json`;

/**
 * fetch.txt may only point at files of earlier versions of the same bag in the primary location:
 * `s3://{primary bucket}/{space}/{externalIdentifier}/{vN}/{path}`, registered in the bag registry.
 */
function fetchResolver(ingest: IngestRecord) {
  return async (entry: FetchEntry): Promise<FetchResolution & { stored?: StoredFileRecord }> => {
    const wrongPlace = `${entry.url} is not a file of an earlier version of ${ingest.space.id}/${ingest.bag.info.externalIdentifier} in the primary location`;
    if (!URL.canParse(entry.url)) return { ok: false, problem: wrongPlace };
    const url = new URL(entry.url);
    if (url.protocol !== 's3:' || url.hostname !== config().primaryBucket)
      return { ok: false, problem: wrongPlace };
    const key = decodeURIComponent(url.pathname.replace(/^\//, ''));
    const id = parseStoredFileId(key);
    if (!id || id.space !== ingest.space.id || id.externalIdentifier !== ingest.bag.info.externalIdentifier) {
      return { ok: false, problem: wrongPlace };
    }
    // A version's reference to a file it fetched itself is not where the bytes are.
    const stored = await getStoredFile(key);
    if (!stored || stored.id !== key) return { ok: false, problem: `${entry.url} is not a stored file` };
    return { ok: true, size: stored.size, digests: stored.checksums, stored };
  };
}

/**
 * Verifies the unpacked bag (RFC 8493, then the ingest policy, then fetch.txt against earlier
 * versions) using the digests computed while unpacking, and writes the bag's file list in chunks
 * for replication. Fails naming every bad file. Memory stays bounded: verification merges sorted
 * runs on disk, and the bag's entries are read back from there as they are written out in chunks.
 */
export async function verifyUnpackedBag(ingest: IngestRecord, bagRoot: string) {
  const settings = config();
  async function* listFiles(): AsyncGenerator<StoredFile> {
    for await (const file of readUnpackedFiles(ingest.id)) {
      if (!file.path.startsWith(bagRoot)) continue;
      yield { path: file.path.slice(bagRoot.length), size: file.size, digests: file.digests };
    }
  }
  const prefix = `${unpackPrefix(ingest.space.id, ingest.id)}${bagRoot}`;
  const store = new S3BagStore(settings.unpackBucket, prefix, listFiles);
  const verification = await verifyBag(store);
  try {
    if (!verification.valid || !verification.bag) {
      throw new RefusalError(
        verification.failures.join('\n') || describeFileFailures(verification.fileFailures),
      );
    }
    const bag = verification.bag;
    const chunks = new ChunkListWriter<BagFile>({
      bucket: settings.unpackBucket,
      chunkKey: (chunk) => chunkKey(ingest.id, chunk),
      indexKey: chunkIndexKey(ingest.id),
      sizeOf: (file) => (file.heldBy === 'this' ? file.size : 0),
    });
    // Fetched files are accepted by concurrent lookups; chunks are written one at a time.
    let adding = Promise.resolve();
    let files = 0;
    let bytes = 0;
    const addFile = (file: BagFile) => {
      files += 1;
      bytes += file.size;
      adding = adding.then(() => chunks.add(file));
      return adding;
    };
    const failures = await checkIngestPolicy(bag, { externalIdentifier: ingest.bag.info.externalIdentifier });
    failures.push(
      ...(await checkFetchedFiles(bag, fetchResolver(ingest), async (entry, { stored }) => {
        const holder = stored as StoredFileRecord;
        await addFile({
          name: entry.path,
          size: holder.size,
          checksums: { ...holder.checksums, ...entry.listed },
          heldBy: { version: holder.version, path: holder.path },
          kind: 'payload',
        });
      })),
    );
    if (failures.length > 0) throw new RefusalError(failures.join('\n'));

    let newFiles = 0;
    let newBytes = 0;
    for await (const entry of bag.entries()) {
      if (!entry.present) continue;
      const checksums = { ...entry.present.digests };
      // Unpacking computes sha256 of every file; this only runs if a tag file somehow escaped that.
      checksums.sha256 ??= (await digestStream(await store.readFile(entry.path), 'sha256')).digest;
      await addFile({
        name: entry.path,
        size: entry.present.size,
        checksums,
        heldBy: 'this',
        kind: entry.path.startsWith('data/') ? 'payload' : 'tag',
      });
      newFiles += 1;
      newBytes += entry.present.size;
    }
    await adding;
    const chunkList = await chunks.finish();
    const summary: BagSummary = {
      bagRoot,
      info: bag.info,
      manifestAlgorithms: bag.manifests.map((manifest) => manifest.algorithm),
      chunkCount: chunkList.chunkCount,
      files,
      bytes,
      newFiles,
      newBytes,
    };
    await putJson(settings.unpackBucket, bagSummaryKey(ingest.id), summary);
    return { summary, chunkList, warnings: verification.warnings };
  } finally {
    await verification.dispose();
  }
}

export function readChunk(ingestId: string, chunk: number): Promise<BagFile[]> {
  return getJson<BagFile[]>(config().unpackBucket, chunkKey(ingestId, chunk));
}
