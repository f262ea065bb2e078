import type { Bag } from './bag.ts';
import type { FetchEntry } from './fetch-file.ts';
import { isPayloadPath } from './manifest-path.ts';
import type { VerificationReport } from './verification-report.ts';

/**
 * Payload-Oxum describes the complete payload, so files still to be fetched count with their
 * declared lengths; when one has no length, only the file count can be checked.
 */
export function checkPayloadOxum(
  bag: Bag,
  unfetched: readonly FetchEntry[],
  report: VerificationReport,
): void {
  const oxum = bag.payloadOxum;
  if (!oxum) return;
  let bytes = 0;
  let files = 0;
  let lengthsKnown = true;
  for (const [path, size] of bag.files) {
    if (!isPayloadPath(path)) continue;
    bytes += size;
    files += 1;
  }
  for (const entry of unfetched) {
    files += 1;
    if (entry.length === undefined) lengthsKnown = false;
    else bytes += entry.length;
  }
  if (files !== oxum.files || (lengthsKnown && bytes !== oxum.bytes)) {
    report.fail(
      `Payload-Oxum mismatch: ${bag.infoFile} declares ${oxum.bytes} bytes in ${oxum.files} files, ` +
        `the payload has ${bytes} bytes in ${files} files`,
    );
  }
}

/** Every fetch.txt file must be in every payload manifest; a fetched file present must have its length. */
export function checkFetchEntries(bag: Bag, report: VerificationReport): void {
  for (const entry of bag.fetch) {
    for (const manifest of bag.manifests) {
      if (!manifest.entries.has(entry.path)) {
        report.fail(`fetch.txt lists ${entry.path}, which is not in ${manifest.file}`);
      }
    }
    const size = bag.files.get(entry.path);
    if (size !== undefined && entry.length !== undefined && size !== entry.length) {
      report.failFile(entry.path, 'size', `fetch.txt declares ${entry.length} bytes, found ${size}`);
    }
  }
}
