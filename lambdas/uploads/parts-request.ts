import type { Principal } from '../auth/principal.ts';
import { isSpaceAvailable } from '../identifiers.ts';
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
import { S3_MAX_PARTS, uploadIdProblem } from './complete-request.ts';
import { MAX_PLANNED_PARTS, noUploadInProgress } from './multipart-upload.ts';
import { spaceOfUploadKey } from './upload-key.ts';

/**
 * The body of `POST /uploads/parts`: fresh presigned URLs for parts of a multipart upload still in
 * progress (a 150 GB upload outlives the first URLs). At most as many parts as a plan holds, so the
 * answer stays far below a Lambda response's 6 MB.
 */
const schema = object({
  path: text((path) => relativePathProblem(path, MAX_S3_KEY_BYTES)),
  uploadId: text(uploadIdProblem),
  partNumbers: array(positiveInteger(S3_MAX_PARTS), { min: 1, max: MAX_PLANNED_PARTS }),
});

export interface PartsRequest {
  path: string;
  uploadId: string;
  /** Ascending, each once. */
  partNumbers: number[];
}

export async function parsePartsRequest(body: unknown, caller: Principal): Promise<PartsRequest> {
  const request = parseRequest(body, schema);
  const repeated = request.partNumbers.filter((n, index) => request.partNumbers.indexOf(n) !== index);
  rejectIfAny(
    repeated.length > 0 ? [invalidAt('.partNumbers', `part ${repeated[0]} is listed more than once.`)] : [],
  );
  const space = spaceOfUploadKey(request.path);
  if (!space || !(await isSpaceAvailable(caller, space))) throw noUploadInProgress(request.uploadId);
  return { ...request, partNumbers: [...request.partNumbers].sort((a, b) => a - b) };
}
