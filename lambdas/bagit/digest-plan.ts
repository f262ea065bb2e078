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
    const segments = path.split('/');
    if (segments[0] === 'data' || segments[1] === 'data') return payloadDigests;
    const name = segments.length <= 2 ? /^manifest-(\w+)\.txt$/.exec(segments.at(-1) as string) : null;
    if (name && isDigestAlgorithm(name[1]) && !seen.has(name[1])) {
      seen.add(name[1]);
      payloadDigests = [...seen];
    }
    return DIGEST_ALGORITHMS;
  };
}

/** Tag files needed to read a bag (not tag files in general), at the top or one directory down. */
export function isBagReadingFile(path: string): boolean {
  // Nearly every file of a big bag is deeper than that: judged without splitting its path.
  const slash = path.indexOf('/');
  if (slash !== -1 && path.indexOf('/', slash + 1) !== -1) return false;
  const segments = path.split('/');
  if (segments.length > 2) return false;
  const name = segments.at(-1) as string;
  return /^(bagit|bag-info|package-info|fetch)\.txt$/.test(name) || /^(tag)?manifest-[^/]+\.txt$/.test(name);
}

/** `data/…` at the top or one directory down, judged without splitting the path. */
function isPayloadFileName(path: string): boolean {
  if (path.startsWith('data/')) return true;
  const slash = path.indexOf('/');
  return slash !== -1 && path.startsWith('data/', slash + 1);
}
