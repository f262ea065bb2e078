import type { Principal } from '../auth/principal.ts';
import { isSpaceAvailable, spaceIdProblem, spaceUnavailable } from '../identifiers.ts';
import {
  boolean,
  invalidAt,
  object,
  optional,
  parseRequest,
  positiveInteger,
  rejectIfAny,
  text,
} from '../json-validation.ts';
import { MAX_OBJECT_BYTES } from './upload-key.ts';

/** The body of `POST /uploads` (SPEC §5.1). */
const schema = object({
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

/** A plain file name: it becomes the last segment of the upload key, so it cannot climb or nest. */
function filenameProblem(name: string): string | undefined {
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || /[\p{Cc}]/u.test(name)) {
    return 'must be a plain file name without slashes or control characters, e.g. "b1234.tar.gz".';
  }
  if (Buffer.byteLength(name) > 255) return 'must be at most 255 bytes long.';
  return undefined;
}

export async function parseUploadRequest(body: unknown, caller: Principal): Promise<UploadRequest> {
  const request = parseRequest(body, schema);
  if (!(await isSpaceAvailable(caller, request.space))) {
    rejectIfAny([invalidAt('.space', spaceUnavailable(request.space))]);
  }
  return { ...request, multipart: request.multipart ?? false };
}
