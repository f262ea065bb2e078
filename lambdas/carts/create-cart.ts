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
import type { CartRequestObject } from './resolve-cart.ts';
import { parseCartRequest } from './cart-request.ts';
import { resolveCartFiles } from './resolve-cart-files.ts';
import { uploadedFileList } from './cart-file-list.ts';

/** `{"fileList": key}`: the entries were uploaded to S3 (cart-file-list.ts). */
function isFileListRequest(body: unknown): body is { fileList: unknown } {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    'fileList' in body &&
    Object.keys(body).length === 1
  );
}

const taken = (cartId: string) => new Conflict(`A cart with id ${cartId} already exists.`);

/**
 * Carts up to this many files have their ids looked up before POST answers, so a bad id is refused
 * with 400 there (SPEC §5.5; about a second of registry reads). Larger carts could not be looked up
 * within API Gateway's 29 seconds: their ids are looked up by the workflow (Resolving), and bad ones
 * end the cart in `error` naming them.
 */
export const IDS_CHECKED_ON_POST = 1000;

/**
 * POST /carts/{cartId}: validates every entry (or the uploaded list's key: its entries are validated
 * by the workflow), then records the cart (status `waiting`), writes the request to the bundle bucket
 * and starts the cart state machine, which resolves the ids.
 */
export async function createCart(cartId: string, body: unknown, caller: Principal): Promise<CartRecord> {
  validCartId(cartId);
  const listed = isFileListRequest(body);
  const entries = listed ? [] : parseCartRequest(body);
  // Answer a taken id before the (long) id lookups; the conditional insert below settles races.
  if (await findLiveCart({ user: caller.user, cartId })) throw taken(cartId);
  const fileList = listed ? await uploadedFileList(body.fileList, cartId, caller) : undefined;
  const checked =
    !listed && entries.length <= IDS_CHECKED_ON_POST ? await resolveCartFiles(entries, caller) : undefined;

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
    // Until Resolving has looked a large cart's ids up, only its owner's own key reaches it anyway.
    spaces: checked ? [...new Set(checked.map((file) => file.space))].sort() : [],
    fileCount: entries.length,
    bytes: checked ? checked.reduce((sum, file) => sum + file.size, 0) : 0,
    createdDate: now.toISOString(),
    lastModifiedDate: now.toISOString(),
    expiresAt: nowInSeconds() + config().cartTtlSeconds,
  };
  if (!(await insertCart(record))) throw taken(cartId);

  try {
    const request: CartRequestObject = fileList ? { caller, fileList } : { caller, entries };
    await putJson(config().bundleBucket, record.requestKey, request);
    record.executionArn = await startCartExecution(incarnation);
  } catch (error) {
    // Without its request or its workflow the cart would wait forever: take it back.
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
