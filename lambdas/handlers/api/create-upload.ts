import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { MAX_SINGLE_PUT_BYTES } from '../../uploads/upload-key.ts';
import { planMultipartUpload } from '../../uploads/multipart-upload.ts';
import { planSingleUpload } from '../../uploads/single-upload.ts';
import { parseUploadRequest } from '../../uploads/upload-request.ts';

/** POST /uploads: a presigned PUT, or a multipart plan above 5 GiB or on request (SPEC §5.1). */
export const handler = apiHandler(async (request) => {
  const upload = await parseUploadRequest(request.body, callerOf(request));
  const multipart = upload.multipart || upload.size > MAX_SINGLE_PUT_BYTES;
  return json(201, multipart ? await planMultipartUpload(upload) : await planSingleUpload(upload));
});
