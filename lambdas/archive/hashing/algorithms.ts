/**
 * The checksum algorithms BagIt manifests use (RFC 8493 §2.4 names them by their hashlib names):
 * every algorithm hashlib guarantees, as bagit-python verifies them all.
 */
export const DIGEST_ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;

export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** Lower-case hex digests of one file, keyed by algorithm. */
export type Digests = Partial<Record<DigestAlgorithm, string>>;

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly string[]).includes(name);
}

/** Length of a hex digest, used to reject malformed manifest lines early. */
export const HEX_LENGTH: Record<DigestAlgorithm, number> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

/**
 * Relative CPU cost per byte (measured with OpenSSL on x86-64 with SHA extensions:
 * sha1 ≈ sha224 ≈ sha256 ≈ 1.5 GB/s, md5 ≈ sha384 ≈ sha512 ≈ 0.8 GB/s; sha224 and sha384 are
 * sha256 and sha512 truncated). Used only to spread work over threads.
 */
export const RELATIVE_COST: Record<DigestAlgorithm, number> = {
  md5: 2,
  sha1: 1,
  sha224: 1,
  sha256: 1,
  sha384: 2,
  sha512: 2,
};
