import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { type StorageLocation, storageLocation } from '../storage/locations.ts';
import { getVersion } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import { copyObject, workAreaProgress } from '../storage/object-copy.ts';
import { pinnedVersion, type VersionIds } from '../storage/object-versions.ts';
import { headObjectOrAbsent, listKeys, putJson } from '../storage/s3-objects.ts';
import { storedFileKey } from '../storage/storage-layout.ts';
import { FAILURE_REASONS } from '../ingests/ingest.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { type BagFile, readBagSummary, readChunk } from './bag-files.ts';
import { countReplicatedChunk } from './progress.ts';
import { storedObjectProblem } from './replica-verifier.ts';
import { writeReplicatedVersions } from './replicated-versions.ts';
import { copyProgressArea, replicationStartedKey, unpackedFile } from './work-area.ts';

export interface ReplicationTarget {
  ingestId: string;
  space: string;
  externalIdentifier: string;
  version: string;
  bagRoot: string;
  location: StorageLocation;
}

/**
 * The bag's SHA-256, kept with every stored object for people and tools looking at the bucket. Never
 * trusted by the workflow: an object that is already there is checked by its bytes.
 */
export const CHECKSUM_METADATA = 'sha256';

/** Copies the unpacked file to the location (resumably above 5 GiB, see storage/object-copy.ts). */
async function copyFile(target: ReplicationTarget, key: string, file: BagFile): Promise<string | undefined> {
  const source = unpackedFile(target.space, target.ingestId, target.bagRoot, file.name);
  const destination = { bucket: target.location.bucket, key, storageClass: target.location.storageClass };
  const { versionId } = await copyObject(
    {
      source,
      target: destination,
      size: file.size,
      metadata: { [CHECKSUM_METADATA]: file.checksums.sha256 as string },
    },
    workAreaProgress(config().unpackBucket, copyProgressArea(target.ingestId), destination),
  );
  return versionId;
}

export interface ReplicatedFile {
  /** `present`: an earlier attempt's object whose bytes verified; `rewritten`: one whose did not. */
  outcome: 'copied' | 'present' | 'rewritten';
  /** The S3 version holding the bytes (undefined in a location without Object Lock). */
  versionId: string | undefined;
}

/**
 * Copies one file into a location at `{space}/{externalIdentifier}/{version}/{name}`, server side,
 * with the location's storage class and an S3-computed SHA-256 (cold replicas are verified with it).
 * The version is claimed by this ingest and not registered, so an object already at the key was
 * left by an earlier attempt that failed: it is kept only when its bytes match the bag (metadata
 * proves nothing: a bad write carries the same metadata), and otherwise written again. In a
 * versioned location writing again adds a version: the bad one is never held, so the failure
 * cleanup or the noncurrent-version lifecycle rule removes it.
 */
export async function replicateFile(
  target: ReplicationTarget,
  file: BagFile,
  /** The caller listed the location and saw no object at the key: no HEAD needed. */
  knownAbsent = false,
): Promise<ReplicatedFile> {
  const key = storedFileKey(target.space, target.externalIdentifier, target.version, file.name);
  const there = knownAbsent ? undefined : await headObjectOrAbsent(target.location.bucket, key);
  if (there) {
    const versionId = pinnedVersion(target.location, key, there.VersionId);
    const source = unpackedFile(target.space, target.ingestId, target.bagRoot, file.name);
    const problem = await storedObjectProblem(target.location, key, file, source, versionId);
    if (!problem) return { outcome: 'present', versionId };
    return {
      outcome: 'rewritten',
      versionId: pinnedVersion(target.location, key, await copyFile(target, key, file)),
    };
  }
  return {
    outcome: 'copied',
    versionId: pinnedVersion(target.location, key, await copyFile(target, key, file)),
  };
}

/** Server-side copies in flight per chunk: each waits on S3, not on this function's CPU. */
const COPIES_IN_FLIGHT = 16;

/**
 * Which of `keys` exist, from one listing of the range they span instead of a HEAD per key: a first
 * attempt finds the range empty in one request. Undefined when the range holds many more objects
 * than the chunk (keys spread across a large retried version): then HEAD each key as before. A key
 * missed here (S3 orders by UTF-8 bytes, JavaScript by UTF-16 units) is only copied once more.
 */
async function keysPresent(bucket: string, keys: readonly string[]): Promise<Set<string> | undefined> {
  if (keys.length === 0) return new Set();
  const sorted = [...keys].sort();
  const [first, last] = [sorted[0] as string, sorted[sorted.length - 1] as string];
  let common = 0;
  while (common < first.length && first[common] === last[common]) common++;
  const wanted = new Set(keys);
  const present = new Set<string>();
  let listed = 0;
  for await (const { key } of listKeys(bucket, first.slice(0, common))) {
    if (key > last) break;
    if (wanted.has(key)) present.add(key);
    if (++listed > 2 * keys.length + 1000) return undefined;
  }
  return present;
}

/**
 * Which of the chunk's keys an earlier attempt may have written: none on the first attempt, which
 * only leaves its mark (copying over an object left by someone else is what a later attempt would do
 * with it anyway: its bytes are never trusted). A later attempt lists the range, or HEADs each key.
 */
async function keysWrittenBefore(
  target: ReplicationTarget,
  chunk: number,
  keys: readonly string[],
): Promise<Set<string> | undefined> {
  const started = replicationStartedKey(target.ingestId, target.location.name, chunk);
  if (await headObjectOrAbsent(config().unpackBucket, started)) {
    return keysPresent(target.location.bucket, keys);
  }
  await putJson(config().unpackBucket, started, {});
  return new Set();
}

/**
 * Replicates one chunk of the bag's files into one location and records the version ids S3 answered
 * in the work area, so a million files never pass through Step Functions state and Register needs
 * no HEAD per file (which would also name whatever version is current then, not the verified one).
 * Refuses a version that is registered already: its objects are never written again.
 */
export async function replicateChunk(target: ReplicationTarget, chunk: number, files: readonly BagFile[]) {
  if (await getVersion(target.space, target.externalIdentifier, target.version)) {
    throw new RefusalError(
      FAILURE_REASONS.versionRegistered(
        target.space,
        target.externalIdentifier,
        target.version,
        target.location.name,
      ),
    );
  }
  const versions: VersionIds = {};
  const keyOf = (file: BagFile) =>
    storedFileKey(target.space, target.externalIdentifier, target.version, file.name);
  const present = await keysWrittenBefore(target, chunk, files.map(keyOf));
  await mapConcurrently(files, COPIES_IN_FLIGHT, async (file) => {
    const { versionId } = await replicateFile(
      target,
      file,
      present !== undefined && !present.has(keyOf(file)),
    );
    if (versionId) versions[file.name] = versionId;
  });
  await writeReplicatedVersions(target.ingestId, target.location, chunk, versions);
}

/**
 * A Task of the replication Map: one chunk of the files this version holds into one location, then
 * counted towards the ingest's progress (once, however often the Task is retried).
 */
export async function replicate(
  ingest: IngestRecord,
  { location, chunk }: { location: string; chunk: number },
): Promise<void> {
  const { bagRoot } = await readBagSummary(ingest.id);
  const files = (await readChunk(ingest.id, chunk)).filter((file) => file.heldBy === 'this');
  const target = {
    ingestId: ingest.id,
    space: ingest.space.id,
    externalIdentifier: ingest.bag.info.externalIdentifier,
    version: ingest.bag.info.version as string,
    bagRoot,
    location: storageLocation(location),
  };
  await replicateChunk(target, chunk, files);
  const bytes = files.reduce((total, file) => total + file.size, 0);
  await countReplicatedChunk(ingest.id, `${location}#${chunk}`, bytes, files.length);
}
