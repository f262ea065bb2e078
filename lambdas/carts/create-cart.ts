import type { Principal } from '../auth/principal.ts';
import { config } from '../config.ts';
import { Conflict } from '../errors.ts';
import { logger } from '../observability.ts';
import { putJson } from '../storage/s3-objects.ts';
import { validCartId } from './cart-id.ts';
import { bundleKeyOf, requestKeyOf } from './cart-objects.ts';
import { type CartRecord, nowInSeconds } from './cart-record.ts';
import { findLiveCart, insertCart, removeCart, setExecutionArn } from './cart-repository.ts';
import { executionNameFor, startCartExecution } from './cart-execution.ts';
import { parseCartRequest } from './cart-request.ts';
import { resolveCartFiles } from './resolve-cart-files.ts';

const taken = (cartId: string) => new Conflict(`A cart with id ${cartId} already exists.`);

/**
 * POST /carts/{cartId}: validates every entry and id, then records the cart (status `waiting`),
 * writes its file list to the bundle bucket and starts the cart state machine.
 */
export async function createCart(cartId: string, body: unknown, caller: Principal): Promise<CartRecord> {
  validCartId(cartId);
  const entries = parseCartRequest(body);
  // Answer a taken id before the (long) id lookups; the conditional insert below settles races.
  if (await findLiveCart({ user: caller.user, cartId })) throw taken(cartId);
  const files = await resolveCartFiles(entries, caller);

  const incarnation = { user: caller.user, cartId, executionName: executionNameFor(cartId) };
  const { executionName } = incarnation;
  const now = new Date();
  const record: CartRecord = {
    cartId,
    status: 'waiting',
    message: '',
    executionName,
    requestKey: requestKeyOf(incarnation),
    bundleKey: bundleKeyOf(incarnation),
    user: caller.user,
    spaces: [...new Set(files.map((file) => file.space))].sort(),
    fileCount: files.length,
    bytes: files.reduce((sum, file) => sum + file.size, 0),
    createdDate: now.toISOString(),
    lastModifiedDate: now.toISOString(),
    expiresAt: nowInSeconds() + config().cartTtlSeconds,
  };
  if (!(await insertCart(record))) throw taken(cartId);

  try {
    await putJson(config().bundleBucket, record.requestKey, files);
    record.executionArn = await startCartExecution(incarnation);
  } catch (error) {
    // Without its file list or its workflow the cart would wait forever: take it back.
    await removeCart(incarnation).catch((cleanup: unknown) =>
      logger.error('Could not remove a cart whose workflow did not start', {
        cartId,
        error: cleanup as Error,
      }),
    );
    throw error;
  }
  await setExecutionArn(incarnation, record.executionArn);
  return record;
}
