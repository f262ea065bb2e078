import type { ManifestFile, StorageManifest } from '../bags/storage-manifest.ts';
import { config } from '../config.ts';
import { PRIMARY_LOCATION_NAME, type StorageLocation, storageLocations } from '../storage/locations.ts';
import { getJson, putJson } from '../storage/s3-objects.ts';
import { workPrefix } from '../storage/storage-layout.ts';
import { type ChunkList, ChunkListWriter } from '../workflows/chunk-list.ts';

/**
 * What a fixity run checks, written to the work area before the checks start: the state machine
 * carries only the run id and chunk numbers (SPEC §2), never a file list.
 */
export interface FixityFile {
  /** Path inside the bag. */
  name: string;
  /** The object's key in every location: under the version holding the bytes (fetch.txt files: an earlier one). */
  key: string;
  size: number;
  /** Lower-case hex, in the manifest's algorithm. */
  checksum: string;
  /** The S3 version Register held in each Object Lock location, by location name (absent locally). */
  versionIds?: Record<string, string>;
}

export interface FixityPlan {
  runId: string;
  space: string;
  externalIdentifier: string;
  version: string;
  algorithm: 'sha256' | 'sha512';
  /** Where the manifest says the bag is stored: the primary location first. */
  locations: StorageLocation[];
  chunkCount: number;
  /** The chunk index the CheckingChunks Distributed Map reads. */
  chunkList: ChunkList;
  files: number;
  bytes: number;
}

const runArea = (runId: string) => workPrefix(`fixity-${runId}`);
export const planKey = (runId: string) => `${runArea(runId)}plan.json`;
export const fixityChunkKey = (runId: string, chunk: number) =>
  `${runArea(runId)}chunks/${String(chunk).padStart(6, '0')}.json`;
export const fixityChunkIndexKey = (runId: string) => `${runArea(runId)}chunks/index.json`;
export const fixityWorkPrefix = runArea;

/** The locations a version was stored to, as its storage manifest records them. */
export function manifestLocations(manifest: StorageManifest): StorageLocation[] {
  // Whether a location has Object Lock is the deployment's configuration, not the manifest's.
  const objectLock = (name: string) =>
    storageLocations().find((location) => location.name === name)?.objectLock ?? false;
  return [
    {
      name: PRIMARY_LOCATION_NAME,
      bucket: manifest.location.bucket,
      storageClass: manifest.location.storageClass ?? 'STANDARD',
      objectLock: objectLock(PRIMARY_LOCATION_NAME),
    },
    ...manifest.replicaLocations.map((replica) => ({
      name: replica.name,
      bucket: replica.bucket,
      storageClass: replica.storageClass ?? 'STANDARD',
      objectLock: objectLock(replica.name),
    })),
  ];
}

/** Every file a version's manifest lists, payload then tags, handed to `visit` one at a time. */
export type ManifestFiles = (visit: (file: ManifestFile) => Promise<void>) => Promise<void>;

/**
 * Splits the manifest's files into chunk files in the work area and writes the plan. `manifest` is
 * the document without its file lists (a 1,000,000-file list is not held): `files` streams them.
 */
export async function writePlan(
  runId: string,
  manifest: StorageManifest,
  files: ManifestFiles,
): Promise<FixityPlan> {
  const bucket = config().unpackBucket;
  const prefix = manifest.location.path;
  const chunks = new ChunkListWriter<FixityFile>({
    bucket,
    chunkKey: (chunk) => fixityChunkKey(runId, chunk),
    indexKey: fixityChunkIndexKey(runId),
    sizeOf: (file) => file.size,
  });
  let count = 0;
  let bytes = 0;
  await files(async (file) => {
    count += 1;
    bytes += file.size;
    await chunks.add({
      name: file.name,
      key: `${prefix}/${file.path}`,
      size: file.size,
      checksum: file.checksum,
      ...(file.versionIds ? { versionIds: file.versionIds } : {}),
    });
  });
  const chunkList = await chunks.finish();
  const plan: FixityPlan = {
    runId,
    space: manifest.space.id,
    externalIdentifier: manifest.info.externalIdentifier,
    version: manifest.version,
    algorithm: manifest.manifest.checksumAlgorithm === 'SHA-512' ? 'sha512' : 'sha256',
    locations: manifestLocations(manifest),
    chunkCount: chunkList.chunkCount,
    chunkList,
    files: count,
    bytes,
  };
  await putJson(bucket, planKey(runId), plan);
  return plan;
}

export const readPlan = (runId: string) => getJson<FixityPlan>(config().unpackBucket, planKey(runId));
export const readFixityChunk = (runId: string, chunk: number) =>
  getJson<FixityFile[]>(config().unpackBucket, fixityChunkKey(runId, chunk));
