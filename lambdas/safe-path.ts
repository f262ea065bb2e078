/**
 * The one definition of a safe path (SPEC §3) for everything that becomes part of an S3 key or a tar
 * member name: bag identifiers (which add their own stricter rules), cart paths, unpacked entry
 * names and upload filenames. No dependencies, so the archive code can use it too.
 */

const CONTROL_CHARACTER = /\p{Cc}/u;

/** S3's limit on a key, in UTF-8 bytes. */
export const MAX_S3_KEY_BYTES = 1024;

/**
 * The one rule for a segment of any path that becomes part of an S3 key or a tar member name
 * (SPEC §3): `.` and `..` would climb or alias once the key becomes a file path (the local S3 and
 * every tar reader resolve them), an empty segment aliases `a//b` with `a/b`, and control characters
 * (NUL first) end names early or hide in listings.
 */
export function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'must not contain empty segments ("//" or a trailing "/").';
  if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments.';
  if (CONTROL_CHARACTER.test(segment)) return 'must not contain NUL or other control characters.';
  return undefined;
}

/**
 * A relative path of safe segments (SPEC §3): any Unicode, no leading `/`, and at most `maxBytes`
 * UTF-8 bytes, so that with the prefix it is stored under it still fits in an S3 key.
 */
export function relativePathProblem(path: string, maxBytes: number): string | undefined {
  if (path === '') return 'must not be empty.';
  if (path.startsWith('/')) return 'must be relative (no leading "/").';
  for (const segment of path.split('/')) {
    const problem = segmentProblem(segment);
    if (problem) return problem;
  }
  if (Buffer.byteLength(path) > maxBytes) return `must be at most ${maxBytes} bytes (UTF-8).`;
  return undefined;
}

/**
 * Whether a "/"-separated path is already in its plain relative form: not empty, no leading or
 * trailing "/", no empty, "." or ".." segment, not a Windows drive path. Judged without splitting it:
 * readers of archives and manifests ask it for every name, and nearly every name is. Says nothing of
 * the characters in it (see relativePathProblem for a path that becomes a key).
 */
export function isPlainRelativePath(path: string): boolean {
  if (path.length === 0 || path.charCodeAt(0) === 0x2f || path.charCodeAt(path.length - 1) === 0x2f)
    return false;
  if (/^[A-Za-z]:[\\/]/.test(path)) return false;
  return !path.includes('//') && !/(?:^|\/)\.\.?(?:\/|$)/.test(path);
}
