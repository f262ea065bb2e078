import { z } from 'zod';

/** One entry of a bag's preservation history (SPEC §5.4), PREMIS-style, as stored and shown. */
export const bagEventTypeSchema = z.enum([
  'ingestion',
  'fixity check',
  'repair',
  'deletion request',
  'deletion approval',
  'deletion rejection',
  'deletion',
]);

export const bagEventSchema = z
  .object({
    type: z.literal('BagEvent'),
    eventType: bagEventTypeSchema,
    /** The version the event is about (absent for what concerns the whole bag: deletion). */
    version: z.string().optional(),
    date: z.string(),
    /** Who acted: a user (who asked for it) or a service step. */
    agent: z.object({ type: z.enum(['user', 'service']), id: z.string() }),
    outcome: z.enum(['success', 'failure']),
    detail: z.string(),
    /** The ingest or fixity run the event came from. */
    ingestId: z.string().optional(),
    fixityId: z.string().optional(),
  })
  .meta({ id: 'BagEvent' });

export type BagEventType = z.infer<typeof bagEventTypeSchema>;
export type BagEvent = z.infer<typeof bagEventSchema>;
