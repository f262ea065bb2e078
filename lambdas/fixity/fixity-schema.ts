import { z } from 'zod';

/** Fixity runs and their findings (SPEC §5.6), as stored and as `GET /fixity/{id}` shows them. */
export const fixityStatusSchema = z.enum(['running', 'finished', 'failed']);
const requestedBySchema = z.object({ type: z.enum(['user', 'service']), id: z.string() });

export const fixityRunSchema = z.object({
  id: z.string(),
  space: z.string(),
  externalIdentifier: z.string(),
  version: z.string(),
  status: fixityStatusSchema,
  /** null while running; true only when every copy of every file verifies (after repair). */
  success: z.boolean().nullable(),
  message: z.string(),
  createdDate: z.string(),
  finishedDate: z.string().optional(),
  /** A user, or the schedule. */
  requestedBy: requestedBySchema,
  filesTotal: z.number(),
  filesChecked: z.number(),
  locations: z.array(z.string()),
});

export const findingKindSchema = z.enum(['missing', 'changed', 'untracked', 'notCheckable']);

const findingEntry = {
  path: z.string(),
  location: z.string(),
  message: z.string(),
  expected: z.string().optional(),
  actual: z.string().optional(),
  hash_type: z.string().optional(),
};

export const findingSchema = z.object({
  kind: findingKindSchema,
  ...findingEntry,
  /** Set when the copy was rewritten from a verified copy and then verified itself. */
  repaired: z.object({ from: z.string(), message: z.string() }).optional(),
});

export type FixityStatus = z.infer<typeof fixityStatusSchema>;
export type FixityRun = z.infer<typeof fixityRunSchema>;
export type FindingKind = z.infer<typeof findingKindSchema>;
export type Finding = z.infer<typeof findingSchema>;

const findingList = z.array(z.object(findingEntry));

/** `GET /fixity/{id}`. */
export const fixityReportSchema = z
  .object({
    type: z.literal('FixityCheck'),
    id: z.string(),
    bag: z.object({ id: z.string(), space: z.object({ id: z.string() }), version: z.string() }),
    status: fixityStatusSchema,
    success: z.boolean().nullable(),
    message: z.string(),
    timestamp: z.string(),
    createdDate: z.string(),
    finishedDate: z.string().optional(),
    requestedBy: requestedBySchema,
    progress: z.object({ filesTotal: z.number(), filesChecked: z.number(), locations: z.array(z.string()) }),
    failures: z.object({
      files: z.object({
        missing: findingList,
        changed: findingList,
        untracked: findingList,
        notCheckable: findingList,
      }),
    }),
    repaired: z.array(
      z.object({ path: z.string(), location: z.string(), from: z.string(), message: z.string() }),
    ),
    counts: z.record(z.string(), z.number()),
    truncated: z.boolean().optional(),
  })
  .meta({ id: 'FixityReport' });

/** A run as a bag's list of runs shows it: the outcome without the findings. */
export const fixitySummarySchema = z
  .object({
    type: z.literal('FixityCheck'),
    ...fixityRunSchema.pick({
      id: true,
      version: true,
      status: true,
      success: true,
      message: true,
      createdDate: true,
      finishedDate: true,
      requestedBy: true,
    }).shape,
  })
  .meta({ id: 'FixitySummary' });
