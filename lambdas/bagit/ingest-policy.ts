import type { Digests } from '../archive/hashing/algorithms.ts';
import type { Bag, FileFailure } from './bag.ts';
import { valuesOf } from './bag-info.ts';
import type { FetchEntry } from './fetch-file.ts';
import { describeFileFailures } from './file-failures.ts';
import { relativePathProblem } from '../safe-path.ts';

/**
 * What the ingest demands beyond RFC 8493 (SPEC §5.3 step 3). Kept apart from verification so that
 * `bagvault validate` answers "is this a bag?" and the ingest answers "may we store this bag?".
 */
export interface IngestRequest {
  /** The external identifier the ingest was created with. */
  externalIdentifier: string;
}

/** Where an earlier version holds a file that fetch.txt points at, or why it is not acceptable. */
export type FetchResolution = { ok: true; size: number; digests: Digests } | { ok: false; problem: string };

const STRONG_ALGORITHMS = ['sha256', 'sha512'];
/** Enough to show what is wrong without making the refusal as long as the bag's file list. */
const MAX_NAMED_FILES = 10;

/**
 * Failures of the bag-level rules: identity, manifest strength and names that can be stored.
 * Empty when the bag may be ingested.
 */
export function checkIngestPolicy(bag: Bag, request: IngestRequest): string[] {
  const failures: string[] = [];
  failures.push(...unstorableNames(bag));
  const identifiers = [...new Set(valuesOf(bag.info, 'External-Identifier'))];
  if (identifiers.length === 0) {
    failures.push(
      `No External-Identifier in ${bag.infoFile ?? 'bag-info.txt'} (the request says ${request.externalIdentifier})`,
    );
  } else if (identifiers.length > 1) {
    failures.push(
      `${bag.infoFile} has ${identifiers.length} different External-Identifier values: ${identifiers.join(', ')}`,
    );
  } else if (identifiers[0] !== request.externalIdentifier) {
    failures.push(
      `External identifier in bag-info.txt does not match request: ${identifiers[0]} is not ${request.externalIdentifier}`,
    );
  }
  const algorithms = bag.manifests.map((manifest) => manifest.algorithm);
  if (!algorithms.some((algorithm) => STRONG_ALGORITHMS.includes(algorithm))) {
    failures.push(
      `The bag has no sha256 or sha512 payload manifest (it has ${algorithms.length > 0 ? algorithms.join(', ') : 'none'})`,
    );
  }
  return failures;
}

/**
 * fetch.txt entries may only name files of earlier versions of the same bag; `resolve` (supplied by
 * the ingest, which knows the storage layout) says where each one is. A fetched file must not also
 * be in the bag, and must have the declared length and the manifest's checksums.
 */
export async function checkFetchedFiles(
  bag: Bag,
  resolve: (entry: FetchEntry) => Promise<FetchResolution>,
): Promise<string[]> {
  const failures: string[] = [];
  const fileFailures: FileFailure[] = [];
  for (const entry of bag.fetch) {
    if (bag.files.has(entry.path)) {
      failures.push(`fetch.txt lists ${entry.path}, which is also present in the bag`);
      continue;
    }
    const resolution = await resolve(entry);
    if (!resolution.ok) {
      failures.push(`fetch.txt entry ${entry.path}: ${resolution.problem}`);
      continue;
    }
    if (entry.length !== undefined && entry.length !== resolution.size) {
      fileFailures.push({ path: entry.path, reason: 'size' });
      continue;
    }
    const mismatch = bag.manifests.some((manifest) => {
      const stored = resolution.digests[manifest.algorithm];
      return stored !== undefined && stored !== manifest.entries.get(entry.path);
    });
    if (mismatch) fileFailures.push({ path: entry.path, reason: 'checksum' });
  }
  if (fileFailures.length > 0) failures.push(describeFileFailures(fileFailures));
  return failures;
}

/**
 * RFC 8493 lets a bag name a file with CR or LF in it (percent-encoded in its manifests), but every
 * file of the bag, and every file fetch.txt adds to it, becomes an S3 key, and no key may hold a
 * control character (SPEC §3). Names are shown as a manifest writes them, so the reason stays on
 * one line and matches what the depositor sees in the manifest.
 */
function unstorableNames(bag: Bag): string[] {
  const names = new Set([...bag.files.keys(), ...bag.fetch.map((entry) => entry.path)]);
  const failures: string[] = [];
  let unnamed = 0;
  for (const name of names) {
    const problem = relativePathProblem(name, Number.POSITIVE_INFINITY);
    if (problem === undefined) continue;
    if (failures.length === MAX_NAMED_FILES) {
      unnamed++;
      continue;
    }
    failures.push(`Cannot store ${percentEncoded(name)}: a stored file's name ${problem.replace(/\.$/, '')}`);
  }
  if (unnamed > 0) failures.push(`… and ${unnamed} more files whose names cannot be stored`);
  return failures;
}

/** "%" and control characters as %XX: for CR, LF and "%" exactly the manifest's encoding (RFC 8493 §2.1.3). */
function percentEncoded(name: string): string {
  return name.replace(
    /[%\p{Cc}]/gu,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
