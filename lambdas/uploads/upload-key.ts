/**
 * Where uploads land in the upload bucket: `{space}/{uuid}/{filename}`. The space comes first so a
 * key's space can be checked when a multipart upload is completed; the UUID keeps two uploads of
 * `b1234.tar.gz` apart.
 */
export function newUploadKey(space: string, filename: string): string {
  return `${space}/${crypto.randomUUID()}/${filename}`;
}

/** The space an upload key belongs to (its first segment). */
export function spaceOfUploadKey(key: string): string {
  return key.slice(0, Math.max(0, key.indexOf('/')));
}

/** S3's limit on one object; larger uploads are refused up front rather than failing at the end. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
/** Above this a single PUT is impossible, so the plan must be multipart. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
