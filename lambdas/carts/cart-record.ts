import { z } from 'zod';

/**
 * Cart ids are the client's choice and scoped to the user who chose them (SPEC §5.5): a cart is
 * named by both, everywhere (table key, bundle bucket keys, workflow input).
 */
export interface CartRef {
  user: string;
  cartId: string;
}

/** One incarnation of a cart: what every workflow task receives. */
export interface CartIncarnation extends CartRef {
  /** The Step Functions execution name (see CartRecord.executionName). */
  executionName: string;
}

export const CART_STATUSES = ['waiting', 'staging', 'bundling', 'ready', 'error'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

/**
 * A cart as the table holds it (`CART#{user}#{cartId}` / `CART`). The file list is not here: it lives in the
 * bundle bucket at `requestKey`, so neither the item nor the state machine's state grows with the cart.
 */
export const cartRecordSchema = z.object({
  cartId: z.string(),
  status: z.enum(CART_STATUSES),
  /** Empty unless the status is `error`. */
  message: z.string(),
  /**
   * Names this incarnation of the cart: the Step Functions execution name. Every workflow update is
   * conditional on it, so a cart deleted and created again is never touched by the old execution.
   */
  executionName: z.string(),
  executionArn: z.string().optional(),
  /** Keys in the bundle bucket; unique per incarnation. */
  requestKey: z.string(),
  bundleKey: z.string(),
  /** Who created it and which spaces its files come from: a caller must be able to use every one. */
  user: z.string(),
  spaces: z.array(z.string()),
  fileCount: z.number(),
  /** Bytes of the files (not of the tar). */
  bytes: z.number(),
  createdDate: z.string(),
  lastModifiedDate: z.string(),
  /** Restores from cold storage the cart waits for, counted down by S3's events (restore-waiters.ts). */
  restoresPending: z.number().optional(),
  /** When staging last looked at every file and set `restoresPending`. */
  restoresStagedAt: z.string().optional(),
  /** Epoch seconds; DynamoDB's TTL attribute. Past it, the cart is gone whatever the table says. */
  expiresAt: z.number(),
});
export type CartRecord = z.output<typeof cartRecordSchema>;

export const nowInSeconds = () => Math.floor(Date.now() / 1000);

/** DynamoDB deletes expired items lazily (and the local dynalite never does): readers check too. */
export function isLive(record: Pick<CartRecord, 'expiresAt'>, now = nowInSeconds()): boolean {
  return record.expiresAt > now;
}
