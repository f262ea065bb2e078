import { config } from '../config.ts';
import { logger } from '../observability.ts';
import { storageLocations } from '../storage/locations.ts';
import { getJson } from '../storage/s3-objects.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import type { CartTaskInput } from './cart-execution.ts';
import type { CartFile } from './cart-file.ts';
import { filesKeyOf } from './cart-objects.ts';
import { moveCart } from './cart-repository.ts';
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

/** The Staging task: runs once, then again after each wait while restores are pending. */
export async function stageCart(cart: CartTaskInput): Promise<StageOutput> {
  const { cartId } = cart;
  if (!(await moveCart(cart, 'staging'))) return { pendingRestores: 0, cancelled: true };
  const files = await getJson<CartFile[]>(config().bundleBucket, filesKeyOf(cart));
  const result = await stageFiles(files, storageLocations());
  if (result.missing.length > 0) throw new RefusalError(unavailableMessage(listIds(result.missing)));
  if (result.wrongSize.length > 0) throw new RefusalError(sizeMismatchMessage(listIds(result.wrongSize)));
  if (result.pendingRestores > 0) {
    logger.info('Cart waits for restores from cold storage', {
      cartId,
      pendingRestores: result.pendingRestores,
      restoresRequested: result.restoresRequested,
    });
  }
  return { pendingRestores: result.pendingRestores, cancelled: false };
}
