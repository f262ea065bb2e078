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

function fileManifest(
  files: readonly PinnedFile[],
  algorithm: 'sha512' | 'sha256',
  version: string,
): FileManifest {
  const entries: ManifestFile[] = files
    .map(({ file, versionIds }) => ({
      type: 'File' as const,
      name: file.name,
      path: file.heldBy === 'this' ? `${version}/${file.name}` : `${file.heldBy.version}/${file.heldBy.path}`,
      size: file.size,
      checksum: (file.checksums[algorithm] ?? file.checksums.sha256) as string,
      ...(Object.keys(versionIds).length > 0 ? { versionIds } : {}),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    type: 'BagManifest',
    checksumAlgorithm: algorithm === 'sha512' ? 'SHA-512' : 'SHA-256',
    files: entries,
  };
}

/** The storage manifest of a version (SPEC §5.4), as Register writes it. */
export function buildStorageManifest(source: ManifestSource): StorageManifest {
  const { space, externalIdentifier, version, files, locations } = source;
  const algorithm = source.manifestAlgorithms.includes('sha512') ? 'sha512' : 'sha256';
  const primary = locations.find((candidate) => candidate.name === PRIMARY_LOCATION_NAME);
  if (!primary) throw new Error('No primary storage location');
  const replicas = locations.filter((candidate) => candidate.name !== PRIMARY_LOCATION_NAME);
  const location = (bucket: string) => ({
    provider: { id: 'amazon-s3' as const },
    bucket,
    path: bagPrefix(space, externalIdentifier),
  });
  return {
    type: 'Bag',
    id: `${space}/${externalIdentifier}`,
    space: { id: space },
    version,
    createdDate: source.createdDate,
    info: infoOf(source.info, externalIdentifier),
    manifest: fileManifest(
      files.filter(({ file }) => file.kind === 'payload'),
      algorithm,
      version,
    ),
    tagManifest: fileManifest(
      files.filter(({ file }) => file.kind === 'tag'),
      algorithm,
      version,
    ),
    location: { ...location(primary.bucket), storageClass: primary.storageClass },
    replicaLocations: replicas.map((replica) => ({
      ...location(replica.bucket),
      name: replica.name,
      storageClass: replica.storageClass,
    })),
    ingestId: source.ingestId,
  };
}

/** The stored-file records of the files this version holds itself (fetched ones keep their own). */
export function storedFilesOf(
  space: string,
  externalIdentifier: string,
  version: string,
  files: readonly PinnedFile[],
): StoredFileRecord[] {
  return files
    .filter(({ file }) => file.heldBy === 'this')
    .map(({ file, versionIds }) => ({
      id: storedFileKey(space, externalIdentifier, version, file.name),
      space,
      externalIdentifier,
      version,
      path: file.name,
      size: file.size,
      checksums: file.checksums,
      ...(Object.keys(versionIds).length > 0 ? { versionIds } : {}),
    }));
}
