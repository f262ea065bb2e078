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

/**
 * A cart as the table holds it (`CART#{user}#{cartId}` / `CART`). The file list is not here: it lives in the
 * bundle bucket at `requestKey`, so neither the item nor the state machine's state grows with the cart.
 */
export const CART_STATUSES = ['waiting', 'staging', 'bundling', 'ready', 'error'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

export interface CartRecord {
  cartId: string;
  status: CartStatus;
  /** Empty unless the status is `error`. */
  message: string;
  /**
   * Names this incarnation of the cart: the Step Functions execution name. Every workflow update is
   * conditional on it, so a cart deleted and created again is never touched by the old execution.
   */
  executionName: string;
  executionArn?: string;
  /** Keys in the bundle bucket; unique per incarnation. */
  requestKey: string;
  bundleKey: string;
  /** Who created it and which spaces its files come from: a caller must be able to use every one. */
  user: string;
  spaces: string[];
  fileCount: number;
  /** Bytes of the files (not of the tar). */
  bytes: number;
  createdDate: string;
  lastModifiedDate: string;
  /** Restores from cold storage the cart waits for, counted down by S3's events (restore-waiters.ts). */
  restoresPending?: number;
  /** When staging last looked at every file and set `restoresPending`. */
  restoresStagedAt?: string;
  /** Epoch seconds; DynamoDB's TTL attribute. Past it, the cart is gone whatever the table says. */
  expiresAt: number;
}

export const nowInSeconds = () => Math.floor(Date.now() / 1000);

/** DynamoDB deletes expired items lazily (and the local dynalite never does): readers check too. */
export function isLive(record: Pick<CartRecord, 'expiresAt'>, now = nowInSeconds()): boolean {
  return record.expiresAt > now;
}
