import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { logger } from '../observability.ts';
import { storageLocations } from '../storage/locations.ts';
import { getJson } from '../storage/s3-objects.ts';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from './bundle-checkpoint.ts';
import { RESUMABLE_FILE_BYTES, writeBundle } from './bundle-writer.ts';
import type { CartTaskInput } from './cart-execution.ts';
import type { CartFile } from './cart-file.ts';
import { bundleKeyOf, filesKeyOf } from './cart-objects.ts';
import { findCartOfExecution, moveCart } from './cart-repository.ts';

/** How often a running bundle looks whether its cart still exists (one consistent read each time). */
const CANCEL_CHECK_INTERVAL_MS = 1000;
/**
 * No file is started after this long in one invocation: the Lambda may run 15 minutes, and the last
 * file started gets the rest (5 minutes: some 30 GB at Lambda's S3 throughput). The next invocation
 * goes on where this one stopped.
 */
export const BUNDLE_TIME_BUDGET_MS = 10 * 60 * 1000;

class CartGone extends Error {}

/** Throws CartGone once the cart is deleted, expired or replaced; asks the table at most once a second. */
function cancellationCheck(cart: CartTaskInput): () => Promise<void> {
  let lastCheck = Date.now();
  return async () => {
    if (Date.now() - lastCheck < CANCEL_CHECK_INTERVAL_MS) return;
    lastCheck = Date.now();
    if (!(await findCartOfExecution(cart))) throw new CartGone();
  };
}

export interface BundleOutput {
  /** False when the bundle is suspended: the state machine runs this task again to go on. */
  done: boolean;
  cancelled: boolean;
  bytes?: number;
}

/** The Bundling task: writes (or goes on writing) the tar, then marks the cart ready. */
export async function bundleCart(
  cart: CartTaskInput,
  timeBudgetMs = BUNDLE_TIME_BUDGET_MS,
  resumableFileBytes = RESUMABLE_FILE_BYTES,
): Promise<BundleOutput> {
  const { cartId } = cart;
  const deadline = Date.now() + timeBudgetMs;
  if (!(await moveCart(cart, 'bundling'))) return { done: true, cancelled: true };
  const bucket = config().bundleBucket;
  const key = bundleKeyOf(cart);
  const files = await getJson<CartFile[]>(bucket, filesKeyOf(cart));
  let result;
  try {
    result = await writeBundle({
      files,
      locations: storageLocations(),
      target: { bucket, key },
      stillWanted: cancellationCheck(cart),
      deadline,
      resumableFileBytes,
      resume: await loadCheckpoint(cart),
    });
  } catch (error) {
    if (error instanceof CartGone) {
      logger.info('Cart deleted while bundling; the upload was aborted', { cartId });
      await deleteCheckpoint(cart);
      return { done: true, cancelled: true };
    }
    throw error;
  }
  if (!result.complete) {
    await saveCheckpoint(cart, result);
    logger.info('Cart bundle suspended; the next invocation goes on', {
      cartId,
      nextFile: result.checkpoint.nextFile,
      insideFileAt: result.checkpoint.inFile?.verifier.bytes,
      files: files.length,
    });
    return { done: false, cancelled: false };
  }
  await deleteCheckpoint(cart);
  if (!(await moveCart(cart, 'ready'))) {
    // Deleted between the last part and now: the bundle must not outlive its cart.
    await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return { done: true, cancelled: true };
  }
  logger.info('Cart bundle ready', { cartId, files: files.length, bytes: result.bytes });
  return { done: true, cancelled: false, bytes: result.bytes };
}
