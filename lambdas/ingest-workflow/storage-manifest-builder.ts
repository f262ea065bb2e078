import type { StoredFileRecord } from '../bags/bag-registry.ts';
import type { FileManifest, ManifestFile, StorageManifest } from '../bags/storage-manifest.ts';
import { PRIMARY_LOCATION_NAME, type StorageLocation } from '../storage/locations.ts';
import type { VersionIds } from '../storage/object-versions.ts';
import { bagPrefix, storedFileKey } from '../storage/storage-layout.ts';
import type { BagFile, BagSummary } from './bag-files.ts';

/** A file of the bag with the S3 version holding its bytes in each location (none without Object Lock). */
export interface PinnedFile {
  file: BagFile;
  versionIds: VersionIds;
}

/** What a storage manifest is made of: the version, its bag-info, its files and where they are stored. */
export interface ManifestSource {
  space: string;
  externalIdentifier: string;
  version: string;
  createdDate: string;
  ingestId: string;
  info: BagSummary['info'];
  manifestAlgorithms: BagSummary['manifestAlgorithms'];
  files: readonly PinnedFile[];
  locations: readonly StorageLocation[];
}

/** bag-info.txt labels the manifest names (Wellcome's camelCase); others keep their label. */
const NAMED_INFO: Record<string, string> = {
  'External-Identifier': 'externalIdentifier',
  'Payload-Oxum': 'payloadOxum',
  'Bagging-Date': 'baggingDate',
};

function infoOf(labels: BagSummary['info'], externalIdentifier: string): StorageManifest['info'] {
  const info: Record<string, unknown> = { externalIdentifier };
  for (const { label, value } of labels) {
    const name = NAMED_INFO[label] ?? label;
    if (name === 'externalIdentifier') continue;
    const previous = info[name];
    info[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return info as StorageManifest['info'];
}

/** One file's entry in the storage manifest: `path` names the version holding the bytes. */
export function manifestEntry(
  { file, versionIds }: PinnedFile,
  algorithm: ManifestAlgorithm,
  version: string,
): ManifestFile {
  return {
    type: 'File' as const,
    name: file.name,
    path: file.heldBy === 'this' ? `${version}/${file.name}` : `${file.heldBy.version}/${file.heldBy.path}`,
    size: file.size,
    checksum: (file.checksums[algorithm] ?? file.checksums.sha256) as string,
    ...(Object.keys(versionIds).length > 0 ? { versionIds } : {}),
  };
}

export type ManifestAlgorithm = 'sha512' | 'sha256';

/** The strongest algorithm the bag's payload manifests have: SHA-512 > SHA-256. */
export const manifestAlgorithmOf = (algorithms: readonly string[]): ManifestAlgorithm =>
  algorithms.includes('sha512') ? 'sha512' : 'sha256';

const byName = (a: ManifestFile, b: ManifestFile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The storage manifest of a version (SPEC §5.4) without its files: Register streams the files into
 * its two `files` arrays (storage-manifest-writer.ts), sorted by name.
 */
export function storageManifestSkeleton(source: Omit<ManifestSource, 'files'>): StorageManifest {
  const { space, externalIdentifier, version, locations } = source;
  const algorithm = manifestAlgorithmOf(source.manifestAlgorithms);
  const primary = locations.find((candidate) => candidate.name === PRIMARY_LOCATION_NAME);
  if (!primary) throw new Error('No primary storage location');
  const replicas = locations.filter((candidate) => candidate.name !== PRIMARY_LOCATION_NAME);
  const location = (bucket: string) => ({
    provider: { id: 'amazon-s3' as const },
    bucket,
    path: bagPrefix(space, externalIdentifier),
  });
  const files = (): FileManifest => ({
    type: 'BagManifest',
    checksumAlgorithm: algorithm === 'sha512' ? 'SHA-512' : 'SHA-256',
    files: [],
  });
  return {
    type: 'Bag',
    id: `${space}/${externalIdentifier}`,
    space: { id: space },
    version,
    createdDate: source.createdDate,
    info: infoOf(source.info, externalIdentifier),
    manifest: files(),
    tagManifest: files(),
    location: { ...location(primary.bucket), storageClass: primary.storageClass },
    replicaLocations: replicas.map((replica) => ({
      ...location(replica.bucket),
      name: replica.name,
      storageClass: replica.storageClass,
    })),
    ingestId: source.ingestId,
  };
}

/** The whole storage manifest in memory, for a bag small enough (test fixtures, the seeder). */
export function buildStorageManifest(source: ManifestSource): StorageManifest {
  const manifest = storageManifestSkeleton(source);
  const algorithm = manifestAlgorithmOf(source.manifestAlgorithms);
  for (const pinned of source.files) {
    const target = pinned.file.kind === 'payload' ? manifest.manifest : manifest.tagManifest;
    target.files.push(manifestEntry(pinned, algorithm, source.version));
  }
  manifest.manifest.files.sort(byName);
  manifest.tagManifest.files.sort(byName);
  return manifest;
}

/**
 * The stored-file records of a version's files. Files this version holds get their own record; a file
 * that came through fetch.txt gets a reference under this version's key with the holder's `id`,
 * `version` and `path` (the same record shape), so a download finds it in one read instead of
 * parsing the manifest. Pins stay on the holder's record (repairs repin only that one).
 */
export function storedFilesOf(
  space: string,
  externalIdentifier: string,
  version: string,
  files: readonly PinnedFile[],
): { key: string; record: StoredFileRecord }[] {
  return files.map(({ file, versionIds }) => {
    const holder = file.heldBy === 'this' ? { version, path: file.name } : file.heldBy;
    const record: StoredFileRecord = {
      id: storedFileKey(space, externalIdentifier, holder.version, holder.path),
      space,
      externalIdentifier,
      version: holder.version,
      path: holder.path,
      size: file.size,
      checksums: file.checksums,
      ...(file.heldBy === 'this' && Object.keys(versionIds).length > 0 ? { versionIds } : {}),
    };
    return { key: storedFileKey(space, externalIdentifier, version, file.name), record };
  });
}
