import type { Digests } from '../archive/hashing/algorithms.ts';
import type { BagDeclaration } from './bagit-declaration.ts';
import type { BagInfoField, PayloadOxum } from './bag-info.ts';
import type { FetchEntry } from './fetch-file.ts';
import type { Manifest } from './manifest.ts';

/**
 * One name of the bag as verification left it: a file present, a fetch.txt entry, or both (which the
 * ingest refuses). Read back in name order through `Bag.entries()`, never all held at once.
 */
export interface BagEntry {
  path: string;
  /** The file present in the bag: its size, and its digests (computed, and those its manifests give). */
  present?: { size: number; digests: Digests };
  /** The bag's fetch.txt entry for this name, with its line. */
  fetch?: FetchEntry & { line: number };
  /** What the manifests list for exactly this name, by algorithm. */
  listed: Digests;
  /** Where the name stands in the bag: its place in the file listing, then fetch.txt's lines after. */
  order: number;
}

/** A bag as read from its tag files: what a storage manifest is built from. */
export interface Bag {
  declaration: BagDeclaration;
  /** "bag-info.txt" ("package-info.txt" before BagIt 0.96), or undefined when the bag has none. */
  infoFile: string | undefined;
  /** Its elements in file order; labels may repeat. */
  info: BagInfoField[];
  payloadOxum: PayloadOxum | undefined;
  /** Payload manifests, by file name order. */
  manifests: Manifest[];
  tagManifests: Manifest[];
  /** How many regular files the bag holds (payload and tag files). */
  fileCount: number;
  /** Every name of the bag, present or to be fetched, in name order; may be read more than once. */
  entries(): AsyncIterable<BagEntry>;
}

/** A file that failed verification; `reason` is the short word shown in parentheses. */
export interface FileFailure {
  path: string;
  /** e.g. "checksum", "missing", "not in manifest-sha256.txt", "size", "unreadable". */
  reason: string;
  /** The specifics, e.g. expected and actual checksums. */
  detail?: string;
}

export interface Verification {
  valid: boolean;
  /** Undefined when bagit.txt is missing or unusable. */
  bag: Bag | undefined;
  /** Every reason the bag is invalid; file failures are summed up in one line (see describeFileFailures). */
  failures: string[];
  fileFailures: FileFailure[];
  /** Things worth knowing that do not make the bag invalid. */
  warnings: string[];
  /** How many fetch.txt entries name files not in the bag: fine for RFC validation, resolved by the ingest. */
  unfetched: number;
  /** Removes what verification spooled to disk for `bag.entries()` (big bags only). */
  dispose(): Promise<void>;
}
