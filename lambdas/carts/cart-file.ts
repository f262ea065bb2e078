import { z } from 'zod';

/** The hash types a cart entry may ask for (Pacifica's `hashtype`). */
export const HASH_TYPES = ['md5', 'sha1', 'sha256', 'sha512'] as const;
export type HashType = (typeof HASH_TYPES)[number];

export const HEX_DIGEST_LENGTH: Record<HashType, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/** One validated entry of a cart request, before its id is looked up (as POST stores it). */
export const cartEntrySchema = z.object({
  id: z.string(),
  /** Where the file goes inside the tar. */
  path: z.string(),
  hashtype: z.enum(HASH_TYPES),
  /** Lower-case hex, or empty for "the stored manifest's". */
  hashsum: z.string(),
});
export type CartEntry = z.output<typeof cartEntrySchema>;

/** One file of a cart, resolved against the registry: what staging and bundling work from. */
export interface CartFile {
  id: string;
  space: string;
  /** The object's key in every storage location. */
  key: string;
  /** The S3 version registered (and held) in each location with Object Lock, by location name. */
  versionIds?: Record<string, string>;
  path: string;
  size: number;
  hashtype: HashType;
  /**
   * The digest of `hashtype` the bytes must have: the client's, else the storage manifest's. Absent
   * when the client left it empty and the manifest has no digest of that type (then `fixity` decides).
   */
  expected?: string;
  /** `expected` is the storage manifest's digest (the client's hashsum was empty or the same). */
  expectedFromManifest?: boolean;
  /**
   * The storage manifest's strongest digest (sha512, else sha256), checked in the same read whatever
   * the client asked for, so a bundle only ever carries bytes identical to the ingested ones.
   */
  fixity?: { hashtype: 'sha256' | 'sha512'; digest: string };
}
