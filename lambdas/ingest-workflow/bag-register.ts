import {
  getStoredFile,
  getVersion,
  putStoredFiles,
  registerVersion,
  type RegisteredVersion,
  type StoredFileItem,
} from '../bags/bag-registry.ts';
import type { ManifestFile, StorageManifest } from '../bags/storage-manifest.ts';
import { ExternalSorter } from '../external-sort.ts';
import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { STEP_DETAILS } from '../ingests/ingest.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import { recordVersionIngested } from '../preservation-events/ingest-events.ts';
import { commitQuota } from '../spaces/quota.ts';
import {
  PRIMARY_LOCATION_NAME,
  type StorageLocation,
  storageLocation,
  storageLocations,
} from '../storage/locations.ts';
import { holdVersion, pinnedVersion, type VersionIds } from '../storage/object-versions.ts';
import { storageManifestKey, storedFileKey } from '../storage/storage-layout.ts';
import { readBagSummary, readChunk } from './bag-files.ts';
import {
  manifestAlgorithmOf,
  manifestEntry,
  type PinnedFile,
  storageManifestSkeleton,
  storedFilesOf,
} from './storage-manifest-builder.ts';
import { storageManifestText, uploadStorageManifest } from './storage-manifest-writer.ts';
import type { StepResult } from './ingest-step.ts';
import { cleanUnpackArea } from './unpack-area.ts';
import { readReplicatedVersions } from './replicated-versions.ts';

const HOLDS_IN_FLIGHT = 32;

/**
 * Puts a legal hold on every object this version wrote, in every location, on the version
 * replication wrote and verification checked (recorded per chunk in the work area), and returns
 * the files with those version ids. Files that came through fetch.txt keep the version ids their
 * own version registered (and holds it put).
 */
async function holdChunk(
  ingest: IngestRecord,
  locations: readonly StorageLocation[],
  chunk: number,
): Promise<PinnedFile[]> {
  const space = ingest.space.id;
  const externalIdentifier = ingest.bag.info.externalIdentifier;
  const version = ingest.bag.info.version as string;
  const files = await readChunk(ingest.id, chunk);
  const written = new Map<string, VersionIds>();
  for (const location of locations) {
    if (location.objectLock)
      written.set(location.name, await readReplicatedVersions(ingest.id, location, chunk));
  }
  const holds = files
    .filter((file) => file.heldBy === 'this')
    .flatMap((file) => locations.map((location) => ({ file, location })));
  await mapConcurrently(holds, HOLDS_IN_FLIGHT, ({ file, location }) =>
    holdVersion(
      location,
      storedFileKey(space, externalIdentifier, version, file.name),
      written.get(location.name)?.[file.name],
    ),
  );
  return mapConcurrently(files, HOLDS_IN_FLIGHT, async (file) => {
    if (file.heldBy !== 'this') {
      const earlier = await getStoredFile(
        storedFileKey(space, externalIdentifier, file.heldBy.version, file.heldBy.path),
      );
      return { file, versionIds: earlier?.versionIds ?? {} };
    }
    const versionIds: VersionIds = {};
    for (const [location, versions] of written) {
      const versionId = versions[file.name];
      if (versionId) versionIds[location] = versionId;
    }
    return { file, versionIds };
  });
}

/** Chunks held and indexed at once. */
const CHUNKS_IN_FLIGHT = 4;

/**
 * Writes the storage manifest (S3 JSON) and its index (registered version, stored files), then adds
 * the new bytes to the space. Idempotent: a version already registered by this ingest is left as is.
 * Memory stays bounded whatever the bag's size: chunks are held and indexed a few at a time, the
 * manifest's entries are sorted by name in bounded runs on disk, and the document is streamed into S3.
 */
export async function registerBag(ingest: IngestRecord): Promise<RegisteredVersion | undefined> {
  const space = ingest.space.id;
  const externalIdentifier = ingest.bag.info.externalIdentifier;
  const version = ingest.bag.info.version as string;
  const already = await getVersion(space, externalIdentifier, version);
  if (already) {
    if (already.ingestId !== ingest.id)
      throw new Error(`${space}/${externalIdentifier} ${version} belongs to another ingest`);
    return undefined;
  }
  const summary = await readBagSummary(ingest.id);
  const locations = storageLocations();
  const algorithm = manifestAlgorithmOf(summary.manifestAlgorithms);
  const payload = new ExternalSorter<ManifestFile>((entry) => entry.name);
  const tags = new ExternalSorter<ManifestFile>((entry) => entry.name);
  // Kept in the order written (one key): spooled to disk like the entries, written after the holds.
  const stored = new ExternalSorter<StoredFileItem>(() => '');
  try {
    // Holds come first: a version is never registered with an object S3 would let anyone delete. A
    // Register that dies after holding leaves held, unregistered objects: kept, never lost.
    const chunks = Array.from({ length: summary.chunkCount }, (_, chunk) => chunk);
    await mapConcurrently(chunks, CHUNKS_IN_FLIGHT, async (chunk) => {
      const pinned = await holdChunk(ingest, locations, chunk);
      for (const file of pinned)
        await (file.file.kind === 'payload' ? payload : tags).add(manifestEntry(file, algorithm, version));
      for (const item of storedFilesOf(space, externalIdentifier, version, pinned)) await stored.add(item);
    });
    const skeleton = storageManifestSkeleton({
      space,
      externalIdentifier,
      version,
      createdDate: new Date().toISOString(),
      ingestId: ingest.id,
      info: summary.info,
      manifestAlgorithms: summary.manifestAlgorithms,
      locations,
    });
    return await recordVersion(
      skeleton,
      storageManifestText(skeleton, payload.sorted(), tags.sorted()),
      stored.sorted(),
      { size: summary.bytes, fileCount: summary.files },
    );
  } finally {
    await Promise.all([payload.dispose(), tags.dispose(), stored.dispose()]);
  }
}

/** Stored-file items go to DynamoDB in groups of this many (each group in parallel BatchWrites). */
const STORED_FILES_PER_GROUP = 1000;

/**
 * Writes a version's storage manifest (held where the primary location has Object Lock), its stored
 * files and then the registered version, which is what makes them visible.
 */
export async function recordVersion(
  skeleton: StorageManifest,
  text: AsyncIterable<string>,
  stored: AsyncIterable<StoredFileItem> | Iterable<StoredFileItem>,
  totals: { size: number; fileCount: number },
): Promise<RegisteredVersion> {
  const {
    space: { id: space },
    info: { externalIdentifier },
    version,
  } = skeleton;
  const primary = storageLocation(PRIMARY_LOCATION_NAME);
  const manifestKey = storageManifestKey(space, externalIdentifier, version);
  const written = await uploadStorageManifest(primary.bucket, manifestKey, text);
  const manifestVersionId = pinnedVersion(primary, manifestKey, written.versionId);
  await holdVersion(primary, manifestKey, manifestVersionId);
  let group: StoredFileItem[] = [];
  for await (const item of stored) {
    group.push(item);
    if (group.length === STORED_FILES_PER_GROUP) {
      await putStoredFiles(group);
      group = [];
    }
  }
  await putStoredFiles(group);
  // The space's `used` moves with the quota reservation, in Register's handler (lambdas/spaces/quota.ts).
  const registered: RegisteredVersion = {
    space,
    externalIdentifier,
    version,
    createdDate: skeleton.createdDate,
    ingestId: skeleton.ingestId,
    manifestKey,
    ...(manifestVersionId ? { manifestVersionId } : {}),
    manifestBytes: written.bytes,
    ...totals,
  };
  await registerVersion(registered);
  return registered;
}

/**
 * What follows a registered version, whoever finishes it (Register, or the failure path finding a
 * Register that died after registering): the version's place in the bag's history and the fixity
 * schedule, the quota reservation becomes `used` (each idempotent, however often it runs) and the
 * unpack area is emptied, before the ingest says succeeded (so a reader never sees leftovers).
 * Returns the success detail.
 */
export async function completeRegistration(ingest: IngestRecord): Promise<string> {
  const { space, bag } = ingest;
  await recordVersionIngested(ingest);
  await commitQuota(space.id, ingest.id, bag.info.version === 'v1');
  await cleanUnpackArea(space.id, ingest.id);
  return STEP_DETAILS.registered(space.id, bag.info.externalIdentifier, bag.info.version as string);
}

/** Register: the version, then what completes it, then the ingest's end (ingest-step.ts `finishes`). */
export async function register(ingest: IngestRecord): Promise<StepResult<null>> {
  await registerBag(ingest);
  return { output: null, detail: await completeRegistration(ingest) };
}
