import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Principal } from '../auth/principal.ts';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { checkpointKeysOf } from './bundle-checkpoint.ts';
import { cartVisibleTo } from './cart-access.ts';
import { filesKeyOf } from './cart-objects.ts';
import { executionArnOf, stopCartExecution } from './cart-execution.ts';
import { removeCart } from './cart-repository.ts';

/**
 * DELETE /carts/{cartId}: stops the workflow, forgets the cart and removes its objects. A bundling
 * task still running notices the cart is gone at its next part and aborts its multipart upload.
 */
export async function deleteCart(cartId: string, caller: Principal): Promise<void> {
  const record = await cartVisibleTo(cartId, caller);
  await stopCartExecution(record.executionArn ?? executionArnOf(record.executionName));
  await removeCart(record);
  const bucket = config().bundleBucket;
  for (const key of [record.bundleKey, record.requestKey, filesKeyOf(record), ...checkpointKeysOf(record)])
    await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
