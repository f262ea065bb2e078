import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { logger } from '../observability.ts';
import { storageLocations } from '../storage/locations.ts';
import { getJson } from '../storage/s3-objects.ts';
import { writeBundle } from './bundle-writer.ts';
import type { CartTaskInput } from './cart-execution.ts';
import type { CartFile } from './cart-file.ts';
import { bundleKeyOf, requestKeyOf } from './cart-objects.ts';
import { findCartOfExecution, moveCart } from './cart-repository.ts';

/** How often a running bundle looks whether its cart still exists (one consistent read each time). */
const CANCEL_CHECK_INTERVAL_MS = 1000;

class CartGone extends Error {}

/** Throws CartGone once the cart is deleted, expired or replaced; asks the table at most once a second. */
function cancellationCheck(cartId: string, executionName: string): () => Promise<void> {
  let lastCheck = Date.now();
  return async () => {
    if (Date.now() - lastCheck < CANCEL_CHECK_INTERVAL_MS) return;
    lastCheck = Date.now();
    if (!(await findCartOfExecution(cartId, executionName))) throw new CartGone();
  };
}

export interface BundleOutput {
  cancelled: boolean;
  bytes?: number;
}

/** The Bundling task: writes the tar, then marks the cart ready. */
export async function bundleCart({ cartId, executionName }: CartTaskInput): Promise<BundleOutput> {
  if (!(await moveCart(cartId, executionName, 'bundling'))) return { cancelled: true };
  const bucket = config().bundleBucket;
  const key = bundleKeyOf(cartId, executionName);
  const files = await getJson<CartFile[]>(bucket, requestKeyOf(cartId, executionName));
  let bytes: number;
  try {
    ({ bytes } = await writeBundle({
      files,
      locations: storageLocations(),
      target: { bucket, key },
      stillWanted: cancellationCheck(cartId, executionName),
    }));
  } catch (error) {
    if (error instanceof CartGone) {
      logger.info('Cart deleted while bundling; the upload was aborted', { cartId });
      return { cancelled: true };
    }
    throw error;
  }
  if (!(await moveCart(cartId, executionName, 'ready'))) {
    // Deleted between the last part and now: the bundle must not outlive its cart.
    await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return { cancelled: true };
  }
  logger.info('Cart bundle ready', { cartId, files: files.length, bytes });
  return { cancelled: false, bytes };
}
