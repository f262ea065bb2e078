/** The storage manifest of one bag version (SPEC §5.4), written as JSON next to the stored bags. */
export interface ManifestFile {
  type: 'File';
  /** Path inside the bag. */
  name: string;
  /** `{version}/{name}`: the version that holds the bytes (an earlier one for fetch.txt files). */
  path: string;
  size: number;
  checksum: string;
  /**
   * The S3 version holding the bytes in each location with Object Lock, by location name: `primary`
   * for `location`, a replica's `name` for the entries of `replicaLocations`. Reads name this version
   * (what Register put the legal hold on). Absent where the storage has no versioning (local S3).
   */
  versionIds?: Record<string, string>;
}

export interface FileManifest {
  type: 'BagManifest';
  /** The strongest algorithm present: SHA-512 > SHA-256. */
  checksumAlgorithm: 'SHA-512' | 'SHA-256';
  files: ManifestFile[];
}

export interface LocationRef {
  provider: { id: 'amazon-s3' };
  bucket: string;
  path: string;
}

export interface StorageManifest {
  type: 'Bag';
  id: string;
  space: { id: string };
  version: string;
  createdDate: string;
  /** externalIdentifier, payloadOxum, baggingDate, then every other bag-info field (repeated labels as arrays). */
  info: Record<string, unknown> & { externalIdentifier: string };
  manifest: FileManifest;
  tagManifest: FileManifest;
  location: LocationRef & { storageClass: string };
  replicaLocations: (LocationRef & { name: string; storageClass: string })[];
  ingestId: string;
}
