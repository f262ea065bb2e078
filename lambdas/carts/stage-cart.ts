import { config } from '../config.ts';
import { logger } from '../observability.ts';
import { storageLocations } from '../storage/locations.ts';
import { getJson } from '../storage/s3-objects.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import type { CartTaskInput } from './cart-execution.ts';
import type { CartFile } from './cart-file.ts';
import { filesKeyOf } from './cart-objects.ts';
import { findCartOfExecution, moveCart } from './cart-repository.ts';
import { awaitRestores } from './restore-waiters.ts';
import { sizeMismatchMessage } from './file-verifier.ts';
import { listIds } from './id-list.ts';
import { stageFiles } from './staging.ts';
import { unavailableMessage } from './stored-object-reader.ts';

export interface StageOutput {
  /** Files still being restored from cold storage: the state machine waits and stages again. */
  pendingRestores: number;
  /** The cart was deleted, expired or replaced: the execution stops quietly. */
  cancelled: boolean;
}

/**
 * The Staging task: looks at every file, asks S3 to restore the cold ones and records what the cart
 * waits for (restore-waiters.ts). It runs again once S3's events have counted every restore down
 * (CheckRestores), to confirm every file is readable before bundling.
 */
export async function stageCart(cart: CartTaskInput): Promise<StageOutput> {
  const { cartId } = cart;
  if (!(await moveCart(cart, 'staging'))) return { pendingRestores: 0, cancelled: true };
  const files = await getJson<CartFile[]>(config().bundleBucket, filesKeyOf(cart));
  const result = await stageFiles(files, storageLocations());
  if (result.missing.length > 0) throw new RefusalError(unavailableMessage(listIds(result.missing)));
  if (result.wrongSize.length > 0) throw new RefusalError(sizeMismatchMessage(listIds(result.wrongSize)));
  if (result.pendingRestores > 0) {
    const record = await findCartOfExecution(cart);
    if (!record || !(await awaitRestores(cart, result.restoring, record.expiresAt)))
      return { pendingRestores: 0, cancelled: true };
    logger.info('Cart waits for restores from cold storage', {
      cartId,
      pendingRestores: result.pendingRestores,
      restoresRequested: result.restoresRequested,
    });
  }
  return { pendingRestores: result.pendingRestores, cancelled: false };
}
