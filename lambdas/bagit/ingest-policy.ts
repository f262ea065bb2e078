import type { Digests } from '../archive/hashing/algorithms.ts';
import { forEachConcurrently } from '../map-concurrently.ts';
import { relativePathProblem } from '../safe-path.ts';
import type { Bag, BagEntry } from './bag.ts';
import { valuesOf } from './bag-info.ts';
import type { FetchEntry } from './fetch-file.ts';
import { describeFileFailures } from './file-failures.ts';

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
/** Earlier versions' files looked up at once (each one or two registry reads). */
const RESOLUTIONS_IN_FLIGHT = 32;
/** Enough to show what is wrong without making the refusal as long as the bag's file list. */
const MAX_NAMED_FILES = 10;

/**
 * Failures of the bag-level rules: identity, manifest strength and names that can be stored.
 * Empty when the bag may be ingested.
 */
export async function checkIngestPolicy(bag: Bag, request: IngestRequest): Promise<string[]> {
  const failures: string[] = [];
  failures.push(...(await unstorableNames(bag)));
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

/** A bag entry fetch.txt names. */
export type FetchedEntry = BagEntry & { fetch: FetchEntry & { line: number } };

/**
 * fetch.txt entries may only name files of earlier versions of the same bag; `resolve` (supplied by
 * the ingest, which knows the storage layout) says where each one is. A fetched file must not also
 * be in the bag, and must have the declared length and the manifest's checksums. Each entry that
 * passes goes to `accepted` with its resolution; failures are named in fetch.txt's order.
 */
export async function checkFetchedFiles<R extends FetchResolution>(
  bag: Bag,
  resolve: (entry: FetchEntry) => Promise<R>,
  accepted: (entry: FetchedEntry, resolution: R & { ok: true }) => Promise<void> = async () => {},
): Promise<string[]> {
  const failures: { line: number; failure: string }[] = [];
  const fileFailures: { line: number; path: string; reason: string }[] = [];
  const fetched = async function* () {
    for await (const entry of bag.entries()) if (entry.fetch) yield entry as FetchedEntry;
  };
  await forEachConcurrently(fetched(), RESOLUTIONS_IN_FLIGHT, async (entry) => {
    const { line, path } = entry.fetch;
    if (entry.present) {
      failures.push({ line, failure: `fetch.txt lists ${path}, which is also present in the bag` });
      return;
    }
    const resolution = await resolve(entry.fetch);
    if (!resolution.ok) {
      failures.push({ line, failure: `fetch.txt entry ${path}: ${resolution.problem}` });
      return;
    }
    if (entry.fetch.length !== undefined && entry.fetch.length !== resolution.size) {
      fileFailures.push({ line, path, reason: 'size' });
      return;
    }
    const mismatch = bag.manifests.some((manifest) => {
      const stored = resolution.digests[manifest.algorithm];
      return stored !== undefined && stored !== entry.listed[manifest.algorithm];
    });
    if (mismatch) fileFailures.push({ line, path, reason: 'checksum' });
    else await accepted(entry, resolution as R & { ok: true });
  });
  const byLine = (a: { line: number }, b: { line: number }) => a.line - b.line;
  const messages = failures.sort(byLine).map(({ failure }) => failure);
  if (fileFailures.length > 0) messages.push(describeFileFailures(fileFailures.sort(byLine)));
  return messages;
}

/**
 * RFC 8493 lets a bag name a file with CR or LF in it (percent-encoded in its manifests), but every
 * file of the bag, and every file fetch.txt adds to it, becomes an S3 key, and no key may hold a
 * control character (SPEC §3). Names are shown as a manifest writes them, so the reason stays on
 * one line and matches what the depositor sees in the manifest: the first ten in the bag's order.
 */
async function unstorableNames(bag: Bag): Promise<string[]> {
  const named: { order: number; failure: string }[] = [];
  let count = 0;
  for await (const entry of bag.entries()) {
    const problem = relativePathProblem(entry.path, Number.POSITIVE_INFINITY);
    if (problem === undefined) continue;
    count++;
    named.push({
      order: entry.order,
      failure: `Cannot store ${percentEncoded(entry.path)}: a stored file's name ${problem.replace(/\.$/, '')}`,
    });
    if (named.length > MAX_NAMED_FILES) named.sort((a, b) => a.order - b.order).pop();
  }
  const failures = named.sort((a, b) => a.order - b.order).map(({ failure }) => failure);
  if (count > MAX_NAMED_FILES)
    failures.push(`… and ${count - MAX_NAMED_FILES} more files whose names cannot be stored`);
  return failures;
}

/** "%" and control characters as %XX: for CR, LF and "%" exactly the manifest's encoding (RFC 8493 §2.1.3). */
function percentEncoded(name: string): string {
  return name.replace(
    /[%\p{Cc}]/gu,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
