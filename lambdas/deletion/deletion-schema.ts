import { z } from 'zod';

/** Deletion requests, tombstones and the bag's deletion marker (SPEC §5.6), as stored and shown. */
export const DELETION_STATUSES = ['open', 'approved', 'rejected'] as const;

export const deletionRequestSchema = z
  .object({
    type: z.literal('DeletionRequest'),
    id: z.string(),
    space: z.string(),
    externalIdentifier: z.string(),
    reason: z.string(),
    status: z.enum(DELETION_STATUSES),
    requestedBy: z.string(),
    requestedDate: z.string(),
    decidedBy: z.string().optional(),
    decidedDate: z.string().optional(),
    /** When the approved deletion finished (the bag is then a tombstone). */
    completedDate: z.string().optional(),
    /** Which start of the deletion workflow is current (absent: the first); see deletion-execution.ts. */
    workflowAttempt: z.number().optional(),
    /** Restarts by the re-drive since approval or an operator's last restart; it gives up at its cap. */
    restarts: z.number().optional(),
    /**
     * Set while Step Functions refuses to start the current attempt (throttled, the state machine
     * missing, access denied): how often, the last time and the error's name. The re-drive keeps trying
     * and removes it once a start succeeds; nothing ran, so nothing waits for an operator here.
     */
    startRefused: z.object({ times: z.number(), date: z.string(), error: z.string() }).optional(),
    /**
     * Set when the re-drive gave up: the workflow kept failing, the bag stays as it is (answering
     * 409) until an operator fixes the cause and approves the request again.
     */
    needsOperator: z
      .object({
        date: z.string(),
        /** What happened and what to do, for people. */
        message: z.string(),
      })
      .optional(),
  })
  .meta({ id: 'DeletionRequest' });

export const manifestDigestSchema = z.object({ version: z.string(), sha256: z.string() });

/** What is about to be deleted, taken once before the first delete (so retries report the same). */
export const deletionInventorySchema = z.object({
  versions: z.array(z.string()),
  files: z.number(),
  bytes: z.number(),
  manifests: z.array(manifestDigestSchema),
});

export const tombstoneSchema = z
  .object({
    type: z.literal('Tombstone'),
    id: z.string(),
    space: z.string(),
    externalIdentifier: z.string(),
    deletionRequestId: z.string(),
    reason: z.string(),
    requestedBy: z.string(),
    requestedDate: z.string(),
    approvedBy: z.string(),
    approvedDate: z.string(),
    deletedDate: z.string(),
    versions: z.array(z.string()),
    files: z.number(),
    bytes: z.number(),
    /** SHA-256 of each deleted storage manifest, as it was stored. */
    manifests: z.array(manifestDigestSchema),
  })
  .meta({ id: 'Tombstone' });

export const deletionMarkerSchema = z.object({
  state: z.enum(['requested', 'deleting', 'deleted']),
  requestId: z.string(),
  /** The request as created (so a request item lost between the two writes can be written again). */
  request: deletionRequestSchema.optional(),
  inventory: deletionInventorySchema.optional(),
  tombstone: tombstoneSchema.optional(),
});

export type DeletionStatus = (typeof DELETION_STATUSES)[number];
export type DeletionRequest = z.infer<typeof deletionRequestSchema>;
export type ManifestDigest = z.infer<typeof manifestDigestSchema>;
export type DeletionInventory = z.infer<typeof deletionInventorySchema>;
export type Tombstone = z.infer<typeof tombstoneSchema>;
export type MarkerState = z.infer<typeof deletionMarkerSchema>['state'];
export type DeletionMarker = z.infer<typeof deletionMarkerSchema>;
