import type { BagDeclaration } from './bagit-declaration.ts';
import type { BagInfoField, PayloadOxum } from './bag-info.ts';
import type { FetchEntry } from './fetch-file.ts';
import type { Manifest } from './manifest.ts';

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
  /** fetch.txt entries, empty when there is no fetch.txt. */
  fetch: FetchEntry[];
  /** Every regular file present in the bag → its size in bytes. */
  files: Map<string, number>;
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
  /** fetch.txt entries whose files are not in the bag: fine for RFC validation, resolved by the ingest. */
  unfetched: FetchEntry[];
}
