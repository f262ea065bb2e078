import { z } from 'zod';
import { issuedKeySchema, keyGrantSchema } from '../auth/key-schema.ts';
import { bagListItemSchema, bagVersionItemSchema } from '../bags/bag-records.ts';
import { storageManifestSchema } from '../bags/storage-manifest.ts';
import { deletionRequestSchema, tombstoneSchema } from '../deletion/deletion-schema.ts';
import { fixityReportSchema, fixitySummarySchema } from '../fixity/fixity-schema.ts';
import { errorSchema } from './errors.ts';
import { ingestSchema } from '../ingests/ingest-schema.ts';
import { bagEventSchema } from '../preservation-events/bag-event-schema.ts';
import { spaceSchema } from '../spaces/space-schema.ts';
import {
  completedUploadSchema,
  presignedPartsSchema,
  multipartUploadPlanSchema,
  singleUploadPlanSchema,
} from '../uploads/upload-schema.ts';

/**
 * The response bodies of the API that are not a domain record on their own: the one error shape,
 * result lists, and the short acknowledgements. Each has an id, so the OpenAPI document names it.
 */
export const goneSchema = errorSchema.extend({ tombstone: tombstoneSchema }).meta({ id: 'DeletedBag' });

/** `{"type":"ResultList","results":[…],"next":"<opaque cursor>"}`; the last page has no `next`. */
export function resultList<S extends z.ZodType>(item: S, id: string) {
  return z
    .object({ type: z.literal('ResultList'), results: z.array(item), next: z.string().optional() })
    .meta({ id });
}

export const messageSchema = z.object({ message: z.string() }).meta({ id: 'Message' });
export const createdIdSchema = z.object({ id: z.string() }).meta({ id: 'Accepted' });
export const deletionRequestCreatedSchema = z
  .object({ id: z.string(), message: z.string() })
  .meta({ id: 'DeletionRequestCreated' });
export const deletionDecisionSchema = z
  .object({ id: z.string(), status: deletionRequestSchema.shape.status })
  .meta({ id: 'DeletionDecision' });
export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const responses = {
  error: errorSchema,
  gone: goneSchema,
  message: messageSchema,
  accepted: createdIdSchema,
  health: healthSchema,
  space: spaceSchema,
  spaces: resultList(spaceSchema, 'SpaceList'),
  issuedKey: issuedKeySchema,
  keys: resultList(keyGrantSchema, 'KeyList'),
  singleUpload: singleUploadPlanSchema,
  multipartUpload: multipartUploadPlanSchema,
  completedUpload: completedUploadSchema,
  presignedParts: presignedPartsSchema,
  ingest: ingestSchema,
  ingests: resultList(ingestSchema, 'IngestList'),
  bags: resultList(bagListItemSchema, 'BagList'),
  manifest: storageManifestSchema,
  versions: resultList(bagVersionItemSchema, 'BagVersionList'),
  events: resultList(bagEventSchema, 'BagEventList'),
  fixityRuns: resultList(fixitySummarySchema, 'FixityRunList'),
  fixity: fixityReportSchema,
  deletionRequest: deletionRequestSchema,
  deletionRequests: resultList(deletionRequestSchema, 'DeletionRequestList'),
  deletionRequestCreated: deletionRequestCreatedSchema,
  deletionDecision: deletionDecisionSchema,
} as const;
