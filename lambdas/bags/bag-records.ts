import { z } from 'zod';

/** The registry's DynamoDB items (bag-registry.ts), parsed where they are read. */
export const registeredVersionSchema = z.object({
  space: z.string(),
  externalIdentifier: z.string(),
  version: z.string(),
  createdDate: z.string(),
  ingestId: z.string(),
  /** Key of the storage manifest JSON in the primary bucket. */
  manifestKey: z.string(),
  /** Its S3 version (held), when the primary location has Object Lock. */
  manifestVersionId: z.string().optional(),
  manifestBytes: z.number(),
  /** Bytes and files of the whole version (including files that came from earlier versions). */
  size: z.number(),
  fileCount: z.number(),
});

export const bagSummarySchema = z.object({
  space: z.string(),
  externalIdentifier: z.string(),
  latestVersion: z.string(),
  size: z.number(),
  fileCount: z.number(),
  createdDate: z.string(),
});

/** A file stored in the primary location; `id` is its key there (SPEC §3). */
export const storedFileRecordSchema = z.object({
  id: z.string(),
  space: z.string(),
  externalIdentifier: z.string(),
  /** The version that holds the bytes. */
  version: z.string(),
  /** Path inside the bag. */
  path: z.string(),
  size: z.number(),
  /** Lower-case hex digests from the bag's manifests (at least sha256 or sha512). */
  checksums: z.partialRecord(z.enum(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']), z.string()),
  /** The S3 version holding the bytes, per location name, in locations with Object Lock. */
  versionIds: z.record(z.string(), z.string()).optional(),
});

export type RegisteredVersion = z.infer<typeof registeredVersionSchema>;
export type BagSummary = z.infer<typeof bagSummarySchema>;
export type StoredFileRecord = z.infer<typeof storedFileRecordSchema>;

/** `GET /bags?space=`: one entry per bag, its latest version. */
export const bagListItemSchema = z
  .object({
    type: z.literal('Bag'),
    id: z.string(),
    space: z.object({ id: z.string() }),
    externalIdentifier: z.string(),
    version: z.string(),
    size: z.number(),
    fileCount: z.number(),
    createdDate: z.string(),
  })
  .meta({ id: 'BagListItem' });

/** `GET /bags/{space}/{id}/versions`: one entry per registered version. */
export const bagVersionItemSchema = z
  .object({ type: z.literal('Bag'), id: z.string(), version: z.string(), createdDate: z.string() })
  .meta({ id: 'BagVersion' });
