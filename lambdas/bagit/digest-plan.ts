import { DIGEST_ALGORITHMS, isDigestAlgorithm, type DigestAlgorithm } from '../archive/hashing/algorithms.ts';

/**
 * Decides, file by file while an archive unpacks, which digests to compute, so that verification
 * afterwards rarely needs to read a file again:
 * - payload files get `always` plus every algorithm whose manifest has already gone by (tar order is
 *   arbitrary: a manifest may come before or after the payload);
 * - tag files, being small, get every algorithm, since their tag manifests may come later.
 * Where the guess falls short, verification reads the file again for the missing digest.
 *
 * The bag root is not known yet, so paths are judged both as if the bag were at the top and as if
 * it were one directory down.
 */
export function manifestAwareDigests(
  always: readonly DigestAlgorithm[] = ['sha256'],
): (path: string) => readonly DigestAlgorithm[] {
  const seen = new Set<DigestAlgorithm>(always);
  let payloadDigests: readonly DigestAlgorithm[] = [...seen];
  return (path) => {
    if (isPayloadFileName(path)) return payloadDigests;
    const algorithm = payloadManifestAlgorithm(path);
    if (algorithm && !seen.has(algorithm)) {
      seen.add(algorithm);
      payloadDigests = [...seen];
    }
    return DIGEST_ALGORITHMS;
  };
}

/** Tag files needed to read a bag (not tag files in general), at the top or one directory down. */
export function isBagReadingFile(path: string): boolean {
  const name = nameAtTopOrOneDown(path);
  if (name === undefined) return false;
  return /^(bagit|bag-info|package-info|fetch)\.txt$/.test(name) || /^(tag)?manifest-[^/]+\.txt$/.test(name);
}

/**
 * Whether `data` is the first or the second segment: a payload path of a bag at the top or one
 * directory down. Judged without splitting the path: it is asked for every file of a bag.
 */
export function isPayloadFileName(path: string): boolean {
  if (isDataSegmentAt(path, 0)) return true;
  const slash = path.indexOf('/');
  return slash !== -1 && isDataSegmentAt(path, slash + 1);
}

/** The algorithm of a payload manifest (manifest-ALGORITHM.txt) at the top or one directory down. */
export function payloadManifestAlgorithm(path: string): DigestAlgorithm | undefined {
  const name = nameAtTopOrOneDown(path);
  const manifest = name === undefined ? null : /^manifest-(\w+)\.txt$/.exec(name);
  return manifest && isDigestAlgorithm(manifest[1]) ? manifest[1] : undefined;
}

function isDataSegmentAt(path: string, at: number): boolean {
  return path.startsWith('data', at) && (path.length === at + 4 || path.charCodeAt(at + 4) === 0x2f);
}

/** The last segment of a path of at most two; undefined for a deeper one (nearly every file of a big bag). */
function nameAtTopOrOneDown(path: string): string | undefined {
  const slash = path.indexOf('/');
  if (slash !== -1 && path.indexOf('/', slash + 1) !== -1) return undefined;
  return path.slice(slash + 1);
}
