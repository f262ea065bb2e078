import { z } from 'zod';

/** `POST /uploads` answers (SPEC §5.1): one presigned PUT, or a multipart plan. */
export const singleUploadPlanSchema = z
  .object({ bucket: z.string(), path: z.string(), uploadUrl: z.string(), expires: z.string() })
  .meta({ id: 'SingleUploadPlan' });

export const multipartUploadPlanSchema = z
  .object({
    bucket: z.string(),
    path: z.string(),
    uploadId: z.string(),
    partSize: z.number(),
    parts: z.array(z.object({ partNumber: z.number(), url: z.string() })),
    complete: z.object({ method: z.literal('POST'), url: z.string() }),
    expires: z.string(),
  })
  .meta({ id: 'MultipartUploadPlan' });

/** `POST /uploads/parts`: fresh presigned URLs for parts of an upload in progress. */
export const presignedPartsSchema = z
  .object({
    bucket: z.string(),
    path: z.string(),
    uploadId: z.string(),
    parts: z.array(z.object({ partNumber: z.number(), url: z.string() })),
    expires: z.string(),
  })
  .meta({ id: 'PresignedParts' });

export const completedUploadSchema = z
  .object({ bucket: z.string(), path: z.string() })
  .meta({ id: 'CompletedUpload' });

export type SingleUploadPlan = z.infer<typeof singleUploadPlanSchema>;
export type PresignedParts = z.infer<typeof presignedPartsSchema>;
export type MultipartUploadPlan = z.infer<typeof multipartUploadPlanSchema>;
