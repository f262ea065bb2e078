import { MAX_S3_KEY_BYTES, relativePathProblem } from '../safe-path.ts';

/**
 * Where uploads land in the upload bucket: `{space}/{uuid}/{filename}`. The space comes first so a
 * key's space can be checked when a multipart upload is completed; the UUID keeps two uploads of
 * `b1234.tar.gz` apart.
 */
export function newUploadKey(space: string, filename: string): string {
  return `${space}/${crypto.randomUUID()}/${filename}`;
}

/** The longest prefix `newUploadKey` puts before a filename: a 63-character space, a UUID, two "/". */
const MAX_PREFIX_BYTES = 63 + 1 + 36 + 1;
export const MAX_UPLOAD_FILENAME_BYTES = MAX_S3_KEY_BYTES - MAX_PREFIX_BYTES;

/** The space an upload key belongs to (its first segment). */
export function spaceOfUploadKey(key: string): string {
  return key.slice(0, Math.max(0, key.indexOf('/')));
}

/**
 * Whether `key` is an upload of `space`: under its prefix and made only of safe segments, so that no
 * `..` can lead out of it wherever the key is resolved as a path.
 */
export function isUploadKeyOf(space: string, key: string): boolean {
  return (
    key.startsWith(`${space}/`) &&
    key.length > space.length + 1 &&
    relativePathProblem(key, MAX_S3_KEY_BYTES) === undefined
  );
}

/** S3's limit on one object; larger uploads are refused up front rather than failing at the end. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
/** Above this a single PUT is impossible, so the plan must be multipart. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
