import type { Readable } from 'node:stream';
import type { DigestAlgorithm, Digests } from '../archive/hashing/algorithms.ts';
import type { HashPool } from '../archive/hashing/hash-pool.ts';

/** A file in a bag store. */
export interface StoredFile {
  /** Relative to the store's root, "/"-separated. */
  path: string;
  size: number;
  /** Digests already computed (e.g. while unpacking): verification does not read the file for these. */
  digests?: Digests;
  /** Set when the entry is not a regular file (e.g. "symbolic link"): it fails verification with this reason. */
  notRegular?: string;
}

export interface HashRequest {
  path: string;
  size: number;
  algorithms: readonly DigestAlgorithm[];
}

export type HashOutcome = { path: string; digests: Digests } | { path: string; error: string };

/**
 * Where a bag lives: a directory, an S3 prefix, an archive. Verification needs only this, so the
 * same rules apply wherever the bytes are.
 */
export interface BagStore {
  /** Every file under the root, each exactly once. */
  listFiles(): AsyncIterable<StoredFile>;
  /**
   * Optional: the same files as listFiles, when the store holds its listing in memory already (an
   * archive streamed once, a walked directory): read without an await per file.
   */
  listedFiles?(): readonly StoredFile[] | undefined;
  /** The bytes of one file (tag files are read this way; payload files only when hashing). */
  readFile(path: string): Promise<Readable>;
  /**
   * Optional: hash many files at once, in any order, e.g. with threads reading from disk directly or
   * with parallel ranged GETs. Without it, files are read through readFile and hashed on `pool`.
   */
  hashFiles?(requests: readonly HashRequest[], pool: HashPool): AsyncIterable<HashOutcome>;
}

export async function readAll(store: BagStore, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.readFile(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
