import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  getStoredFile,
  getVersion,
  putStoredFiles,
  registerVersion,
  type StoredFileRecord,
} from '../bags/bag-registry.ts';
import type { StorageManifest } from '../bags/storage-manifest.ts';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import {
  PRIMARY_LOCATION_NAME,
  type StorageLocation,
  storageLocation,
  storageLocations,
} from '../storage/locations.ts';
import { holdVersion, pinnedVersion, type VersionIds } from '../storage/object-versions.ts';
import { storageManifestKey, storedFileKey } from '../storage/storage-layout.ts';
import type { BagSummary } from './bag-files.ts';
import { buildStorageManifest, type PinnedFile, storedFilesOf } from './storage-manifest-builder.ts';
import { readReplicatedVersions } from './replication.ts';
import { bagSummaryKey, readChunk } from './verify-step.ts';
import { getJson } from '../storage/s3-objects.ts';

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

/**
 * Writes the storage manifest (S3 JSON) and its index (registered version, stored files), then adds
 * the new bytes to the space. Idempotent: a version already registered by this ingest is left as is.
 */
export async function registerBag(ingest: IngestRecord): Promise<StorageManifest | undefined> {
  const space = ingest.space.id;
  const externalIdentifier = ingest.bag.info.externalIdentifier;
  const version = ingest.bag.info.version as string;
  const already = await getVersion(space, externalIdentifier, version);
  if (already) {
    if (already.ingestId !== ingest.id)
      throw new Error(`${space}/${externalIdentifier} ${version} belongs to another ingest`);
    return undefined;
  }
  const summary = await getJson<BagSummary>(config().unpackBucket, bagSummaryKey(ingest.id));
  const locations = storageLocations();
  // Holds come first: a version is never registered with an object S3 would let anyone delete. A
  // Register that dies after holding leaves held, unregistered objects: kept, never lost.
  const files: PinnedFile[] = [];
  for (let chunk = 0; chunk < summary.chunkCount; chunk++)
    files.push(...(await holdChunk(ingest, locations, chunk)));

  const manifest = buildStorageManifest({
    space,
    externalIdentifier,
    version,
    createdDate: new Date().toISOString(),
    ingestId: ingest.id,
    info: summary.info,
    manifestAlgorithms: summary.manifestAlgorithms,
    files,
    locations,
  });
  await recordVersion(manifest, storedFilesOf(space, externalIdentifier, version, files), {
    size: summary.bytes,
    fileCount: summary.files,
  });
  return manifest;
}

/**
 * Writes a version's storage manifest (held where the primary location has Object Lock), its stored
 * files and then the registered version, which is what makes them visible.
 */
export async function recordVersion(
  manifest: StorageManifest,
  stored: readonly StoredFileRecord[],
  totals: { size: number; fileCount: number },
): Promise<void> {
  const {
    space: { id: space },
    info: { externalIdentifier },
    version,
  } = manifest;
  const primary = storageLocation(PRIMARY_LOCATION_NAME);
  const body = JSON.stringify(manifest);
  const manifestKey = storageManifestKey(space, externalIdentifier, version);
  const written = await s3().send(
    new PutObjectCommand({
      Bucket: primary.bucket,
      Key: manifestKey,
      Body: body,
      ContentType: 'application/json',
    }),
  );
  const manifestVersionId = pinnedVersion(primary, manifestKey, written.VersionId);
  await holdVersion(primary, manifestKey, manifestVersionId);
  await putStoredFiles(stored);
  // The space's `used` moves with the quota reservation, in Register's handler (lambdas/spaces/quota.ts).
  await registerVersion({
    space,
    externalIdentifier,
    version,
    createdDate: manifest.createdDate,
    ingestId: manifest.ingestId,
    manifestKey,
    ...(manifestVersionId ? { manifestVersionId } : {}),
    manifestBytes: Buffer.byteLength(body),
    ...totals,
  });
}
