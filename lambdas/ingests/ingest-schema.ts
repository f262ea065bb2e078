import { z } from 'zod';

/** An ingest as the API shows it (SPEC §5.2): the response of every ingest route. */
export const INGEST_STATUSES = ['accepted', 'processing', 'succeeded', 'failed', 'cancelled'] as const;
export const ingestStatusSchema = z.enum(INGEST_STATUSES);
export const ingestTypeSchema = z.enum(['create', 'update']);
export const callbackStatusSchema = z.enum(['pending', 'succeeded', 'failed']);

export const ingestEventSchema = z.object({
  type: z.literal('IngestEvent'),
  description: z.string(),
  createdDate: z.string(),
});

export const ingestSchema = z
  .object({
    id: z.uuid(),
    type: z.literal('Ingest'),
    space: z.object({ id: z.string(), type: z.literal('Space') }),
    bag: z.object({
      type: z.literal('Bag'),
      info: z.object({
        type: z.literal('BagInfo'),
        externalIdentifier: z.string(),
        version: z.string().optional(),
      }),
    }),
    ingestType: z.object({ id: ingestTypeSchema, type: z.literal('IngestType') }),
    sourceLocation: z.object({
      type: z.literal('Location'),
      provider: z.object({ type: z.literal('Provider'), id: z.literal('amazon-s3') }),
      bucket: z.string(),
      path: z.string(),
    }),
    callback: z
      .object({
        type: z.literal('Callback'),
        url: z.string(),
        status: z.object({ id: callbackStatusSchema, type: z.literal('CallbackStatus') }),
      })
      .optional(),
    status: z.object({ id: ingestStatusSchema, type: z.literal('Status') }),
    progress: z.object({
      bytesTotal: z.number(),
      bytesDone: z.number(),
      filesTotal: z.number(),
      filesDone: z.number(),
    }),
    events: z.array(ingestEventSchema),
    createdDate: z.string(),
    lastModifiedDate: z.string(),
  })
  .meta({ id: 'Ingest' });

/**
 * The DynamoDB item: the API shape plus workflow bookkeeping (`currentStep` for failure events and
 * the cancel rule, `executionArn`; the table keys and counters pass through untouched).
 */
export const ingestRecordSchema = z.looseObject({
  ...ingestSchema.shape,
  currentStep: z.string().optional(),
  executionArn: z.string().optional(),
  /** Replication progress (ingest-workflow/progress.ts): bytes and files every location received. */
  progressPhase: z.string().optional(),
  progressLocations: z.number().optional(),
  replicated: z.object({ bytes: z.number().optional(), files: z.number().optional() }).optional(),
});

export type IngestStatus = z.infer<typeof ingestStatusSchema>;
export type IngestType = z.infer<typeof ingestTypeSchema>;
export type CallbackStatus = z.infer<typeof callbackStatusSchema>;
export type IngestEvent = z.infer<typeof ingestEventSchema>;
export type Ingest = z.infer<typeof ingestSchema>;
export type IngestRecord = z.infer<typeof ingestRecordSchema>;
