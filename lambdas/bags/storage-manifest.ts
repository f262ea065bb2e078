import { z } from 'zod';

/** The storage manifest of one bag version (SPEC §5.4), written as JSON next to the stored bags. */
export const manifestFileSchema = z.object({
  type: z.literal('File'),
  /** Path inside the bag. */
  name: z.string(),
  /** `{version}/{name}`: the version that holds the bytes (an earlier one for fetch.txt files). */
  path: z.string(),
  size: z.number(),
  checksum: z.string(),
  /**
   * The S3 version holding the bytes in each location with Object Lock, by location name: `primary`
   * for `location`, a replica's `name` for the entries of `replicaLocations`. Reads name this version
   * (what Register put the legal hold on). Absent where the storage has no versioning (local S3).
   */
  versionIds: z.record(z.string(), z.string()).optional(),
});

export const fileManifestSchema = z.object({
  type: z.literal('BagManifest'),
  /** The strongest algorithm present: SHA-512 > SHA-256. */
  checksumAlgorithm: z.enum(['SHA-512', 'SHA-256']),
  files: z.array(manifestFileSchema),
});

export const locationRefSchema = z.object({
  provider: z.object({ id: z.literal('amazon-s3') }),
  bucket: z.string(),
  path: z.string(),
});

export const storageManifestSchema = z
  .object({
    type: z.literal('Bag'),
    id: z.string(),
    space: z.object({ id: z.string() }),
    version: z.string(),
    createdDate: z.string(),
    /** externalIdentifier, payloadOxum, baggingDate, then every other bag-info field (repeated labels as arrays). */
    info: z.looseObject({ externalIdentifier: z.string() }),
    manifest: fileManifestSchema,
    tagManifest: fileManifestSchema,
    location: locationRefSchema.extend({ storageClass: z.string() }),
    replicaLocations: z.array(locationRefSchema.extend({ name: z.string(), storageClass: z.string() })),
    ingestId: z.string(),
  })
  .meta({ id: 'StorageManifest' });

export type ManifestFile = z.infer<typeof manifestFileSchema>;
export type FileManifest = z.infer<typeof fileManifestSchema>;
export type LocationRef = z.infer<typeof locationRefSchema>;
export type StorageManifest = z.infer<typeof storageManifestSchema>;
