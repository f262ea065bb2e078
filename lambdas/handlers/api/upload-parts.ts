import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { presignParts } from '../../uploads/multipart-upload.ts';
import { parsePartsRequest } from '../../uploads/parts-request.ts';

/** POST /uploads/parts: fresh presigned URLs for parts of a multipart upload in progress. */
export const handler = apiHandler(async (request) => {
  const parts = await parsePartsRequest(request.body, callerOf(request));
  return json(200, await presignParts(parts));
});
