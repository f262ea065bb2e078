import type { Principal } from '../auth/principal.ts';
import { isSpaceAvailable, spaceIdProblem, spaceUnavailable } from '../identifiers.ts';
import { relativePathProblem } from '../safe-path.ts';
import { invalidAt, parseRequest, rejectIfAny } from '../schemas/problems.ts';
import { boolean, object, optional, positiveInteger, text } from '../schemas/request-fields.ts';
import { MAX_OBJECT_BYTES, MAX_UPLOAD_FILENAME_BYTES } from './upload-key.ts';

/** The body of `POST /uploads` (SPEC §5.1). */
export const uploadRequestSchema = object({
  space: text(spaceIdProblem),
  filename: text(filenameProblem),
  size: positiveInteger(MAX_OBJECT_BYTES),
  multipart: optional(boolean()),
});

export interface UploadRequest {
  space: string;
  filename: string;
  size: number;
  multipart: boolean;
}

/**
 * A plain file name: it becomes the last segment of the upload key (`{space}/{uuid}/{filename}`), so
 * it is one safe segment (SPEC §3) that cannot climb or nest, and the whole key stays an S3 key.
 */
function filenameProblem(name: string): string | undefined {
  if (name.includes('/') || name.includes('\\'))
    return 'must be a plain file name without slashes, e.g. "b1234.tar.gz".';
  return relativePathProblem(name, MAX_UPLOAD_FILENAME_BYTES);
}

export async function parseUploadRequest(body: unknown, caller: Principal): Promise<UploadRequest> {
  const request = parseRequest(body, uploadRequestSchema);
  if (!(await isSpaceAvailable(caller, request.space))) {
    rejectIfAny([invalidAt('.space', spaceUnavailable(request.space))]);
  }
  return { ...request, multipart: request.multipart ?? false };
}
