import type { Principal } from '../auth/principal.ts';
import { isSpaceAvailable, spaceUnavailable } from '../identifiers.ts';
import {
  array,
  invalidAt,
  object,
  parseRequest,
  positiveInteger,
  rejectIfAny,
  text,
} from '../json-validation.ts';
import { MAX_S3_KEY_BYTES, relativePathProblem } from '../safe-path.ts';
import { spaceOfUploadKey } from './upload-key.ts';

export const S3_MAX_PARTS = 10_000;

/**
 * S3, MinIO and Ceph issue upload ids in URL-safe characters. Anything else (a slash, `..`, a
 * control character) is refused before it reaches a store that might treat it as a path.
 */
const UPLOAD_ID = /^[A-Za-z0-9_~+=-][A-Za-z0-9._~+=-]{0,1023}$/;
export const uploadIdProblem = (id: string) =>
  UPLOAD_ID.test(id) ? undefined : 'is not an upload id POST /uploads issued.';

/** ETags are quoted hex (or hex with a part count); they travel in S3's XML, so no control characters. */
const ETAG = /^"?[A-Za-z0-9-]{1,128}"?$/;
const etagProblem = (etag: string) =>
  ETAG.test(etag) ? undefined : 'is not an ETag S3 returned for a part, such as "0123…abcd".';

/** The body of `POST /uploads/complete`: the plan's path and upload id, and each part's ETag. */
const schema = object({
  path: text((path) => relativePathProblem(path, MAX_S3_KEY_BYTES)),
  uploadId: text(uploadIdProblem),
  parts: array(object({ partNumber: positiveInteger(S3_MAX_PARTS), etag: text(etagProblem) }), {
    min: 1,
    max: S3_MAX_PARTS,
  }),
});

export interface CompleteUploadRequest {
  path: string;
  uploadId: string;
  /** In ascending part order, as S3 requires; ETags quoted, as S3 returns them. */
  parts: { partNumber: number; etag: string }[];
}

const quotedEtag = (etag: string) => `"${etag.replace(/"/g, '')}"`;

export async function parseCompleteUploadRequest(
  body: unknown,
  caller: Principal,
): Promise<CompleteUploadRequest> {
  const request = parseRequest(body, schema);
  const problems: string[] = [];
  const numbers = request.parts.map((part) => part.partNumber);
  const repeated = numbers.filter((n, index) => numbers.indexOf(n) !== index);
  if (repeated.length > 0) {
    problems.push(invalidAt('.parts', `part ${repeated[0]} is listed more than once.`));
  }
  const space = spaceOfUploadKey(request.path);
  if (!space || !(await isSpaceAvailable(caller, space))) {
    problems.push(
      invalidAt('.path', space ? spaceUnavailable(space) : 'is not a path POST /uploads issued.'),
    );
  }
  rejectIfAny(problems);
  const parts = request.parts
    .map((part) => ({ partNumber: part.partNumber, etag: quotedEtag(part.etag) }))
    .sort((a, b) => a.partNumber - b.partNumber);
  return { path: request.path, uploadId: request.uploadId, parts };
}
