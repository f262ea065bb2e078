import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { parseCompleteUploadRequest } from '../../uploads/complete-request.ts';
import { completeMultipartUpload } from '../../uploads/multipart-upload.ts';

/** POST /uploads/complete: assembles a multipart upload's parts into the uploaded object. */
export const handler = apiHandler(async (request) => {
  const completion = await parseCompleteUploadRequest(request.body, callerOf(request));
  return json(200, await completeMultipartUpload(completion));
});
