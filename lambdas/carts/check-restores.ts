import type { CartTaskInput } from './cart-execution.ts';
import { findCartOfExecution } from './cart-repository.ts';

/**
 * Events can be missed (a restore that finished between staging's look and its waiter's write): after
 * this long without reaching zero, staging looks at every file again. Longer than a standard-tier
 * restore from DEEP_ARCHIVE (up to 12 hours), so normally only the events count.
 */
export const RESTAGE_AFTER_MS = 13 * 3600 * 1000;

export interface CheckRestoresOutput {
  cancelled: boolean;
  /** Restores the cart still waits for, as S3's completion events have counted them down. */
  pendingRestores: number;
  /** Staging should look at every file again (the count reached zero, or events may have been lost). */
  restage: boolean;
}

/**
 * The CheckRestores task, between two waits: one read of the cart item instead of a HeadObject per
 * file. S3's ObjectRestore:Completed events (restore-waiters.ts) do the counting.
 */
export async function checkRestores(cart: CartTaskInput): Promise<CheckRestoresOutput> {
  const record = await findCartOfExecution(cart);
  if (!record) return { cancelled: true, pendingRestores: 0, restage: false };
  const pendingRestores = Math.max(0, record.restoresPending ?? 0);
  const stagedAt = Date.parse(record.restoresStagedAt ?? record.lastModifiedDate);
  const restage = pendingRestores === 0 || Date.now() - stagedAt >= RESTAGE_AFTER_MS;
  return { cancelled: false, pendingRestores, restage };
}
