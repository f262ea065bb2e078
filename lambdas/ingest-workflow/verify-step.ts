import type { Digests } from '../archive/hashing/algorithms.ts';
import type { Bag } from '../bagit/bag.ts';
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
  const resolved = new Map<string, StoredFileRecord>();
  const resolve = async (entry: FetchEntry): Promise<FetchResolution> => {
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
    const stored = await getStoredFile(key);
    if (!stored) return { ok: false, problem: `${entry.url} is not a stored file` };
    resolved.set(entry.path, stored);
    return { ok: true, size: stored.size, digests: stored.checksums };
  };
  return { resolve, resolved };
}

function digestsOf(bag: Bag, name: string, computed: Digests | undefined): Digests {
  const digests: Digests = { ...computed };
  for (const manifest of [...bag.manifests, ...bag.tagManifests]) {
    const digest = manifest.entries.get(name);
    if (digest) digests[manifest.algorithm] = digest;
  }
  return digests;
}

/**
 * Verifies the unpacked bag (RFC 8493, then the ingest policy, then fetch.txt against earlier
 * versions) using the digests computed while unpacking, and writes the bag's file list in chunks
 * for replication. Fails naming every bad file.
 */
export async function verifyUnpackedBag(ingest: IngestRecord, bagRoot: string) {
  const settings = config();
  const knownDigests = new Map<string, Digests>();
  async function* listFiles(): AsyncGenerator<StoredFile> {
    for await (const file of readUnpackedFiles(ingest.id)) {
      if (!file.path.startsWith(bagRoot)) continue;
      const path = file.path.slice(bagRoot.length);
      knownDigests.set(path, file.digests);
      yield { path, size: file.size };
    }
  }
  const prefix = `${unpackPrefix(ingest.space.id, ingest.id)}${bagRoot}`;
  const store = new S3BagStore(settings.unpackBucket, prefix, listFiles);
  const verification = await verifyBag(store, { knownDigests: (path) => knownDigests.get(path) });
  if (!verification.valid || !verification.bag) {
    throw new RefusalError(
      verification.failures.join('\n') || describeFileFailures(verification.fileFailures),
    );
  }
  const bag = verification.bag;
  const policyFailures = checkIngestPolicy(bag, { externalIdentifier: ingest.bag.info.externalIdentifier });
  const fetch = fetchResolver(ingest);
  policyFailures.push(...(await checkFetchedFiles(bag, fetch.resolve)));
  if (policyFailures.length > 0) throw new RefusalError(policyFailures.join('\n'));

  const files: BagFile[] = [];
  for (const [name, size] of bag.files) {
    const checksums = digestsOf(bag, name, knownDigests.get(name));
    // Unpacking computes sha256 of every file; this only runs if a tag file somehow escaped that.
    checksums.sha256 ??= (await digestStream(await store.readFile(name), 'sha256')).digest;
    files.push({ name, size, checksums, heldBy: 'this', kind: name.startsWith('data/') ? 'payload' : 'tag' });
  }
  const newFiles = files.length;
  const newBytes = files.reduce((total, file) => total + file.size, 0);
  for (const entry of bag.fetch) {
    const stored = fetch.resolved.get(entry.path);
    if (!stored) continue;
    files.push({
      name: entry.path,
      size: stored.size,
      checksums: digestsOf(bag, entry.path, stored.checksums),
      heldBy: { version: stored.version, path: stored.path },
      kind: 'payload',
    });
  }

  const chunks = new ChunkListWriter<BagFile>({
    bucket: settings.unpackBucket,
    chunkKey: (chunk) => chunkKey(ingest.id, chunk),
    indexKey: chunkIndexKey(ingest.id),
    sizeOf: (file) => (file.heldBy === 'this' ? file.size : 0),
  });
  for (const file of files) await chunks.add(file);
  const chunkList = await chunks.finish();
  const summary: BagSummary = {
    bagRoot,
    info: bag.info,
    manifestAlgorithms: bag.manifests.map((manifest) => manifest.algorithm),
    chunkCount: chunkList.chunkCount,
    files: files.length,
    bytes: files.reduce((total, file) => total + file.size, 0),
    newFiles,
    newBytes,
  };
  await putJson(settings.unpackBucket, bagSummaryKey(ingest.id), summary);
  return { summary, chunkList, warnings: verification.warnings };
}

export function readChunk(ingestId: string, chunk: number): Promise<BagFile[]> {
  return getJson<BagFile[]>(config().unpackBucket, chunkKey(ingestId, chunk));
}
