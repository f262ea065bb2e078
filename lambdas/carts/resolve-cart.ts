import { z } from 'zod';
import { principalSchema } from '../auth/principal.ts';
import { config } from '../config.ts';
import { DomainError } from '../errors.ts';
import { logger } from '../observability.ts';
import { getJson, getStored, headObjectOrAbsent, putJson } from '../storage/s3-objects.ts';
import { MAX_FILE_LIST_BYTES } from './cart-file-list.ts';
import { parseCartRequest } from './cart-request.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import type { CartTaskInput } from './cart-execution.ts';
import { type CartEntry, cartEntrySchema } from './cart-file.ts';
import { filesKeyOf, requestKeyOf } from './cart-objects.ts';
import { findCartOfExecution, recordResolved } from './cart-repository.ts';
import { resolveCartFiles } from './resolve-cart-files.ts';

/**
 * A cart request as POST stored it: the validated entries and who asked, whose spaces bound which
 * ids the workflow may resolve (the key's rights when it asked, as for a small cart checked on POST).
 */
const requestObjectSchema = z.union([
  z.object({ caller: principalSchema, entries: z.array(cartEntrySchema) }),
  z.object({ caller: principalSchema, fileList: z.string() }),
]);
export type CartRequestObject = z.output<typeof requestObjectSchema>;

/** Keeps a refusal within what the cart's error field and a Step Functions Cause hold. */
const MAX_REFUSAL_CHARS = 1000;
const refusal = (message: string) =>
  new RefusalError(
    message.length > MAX_REFUSAL_CHARS ? `${message.slice(0, MAX_REFUSAL_CHARS - 3)}...` : message,
  );

/** The entries of a request: as POST validated them, or read from the uploaded list and validated now. */
async function entriesOf(request: CartRequestObject): Promise<CartEntry[]> {
  if ('entries' in request) return request.entries;
  const bucket = config().bundleBucket;
  // The presigned PUT may have replaced the list since POST looked at it.
  const head = await headObjectOrAbsent(bucket, request.fileList);
  if (!head) throw refusal(`The uploaded file list ${request.fileList} is gone.`);
  if ((head.ContentLength ?? 0) > MAX_FILE_LIST_BYTES)
    throw refusal(`The uploaded file list is larger than ${MAX_FILE_LIST_BYTES / 1024 / 1024} MB.`);
  let body: unknown;
  try {
    body = await getJson<unknown>(bucket, request.fileList);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw refusal(`The uploaded file list is not valid JSON: ${error.message}`);
    throw error;
  }
  return parseCartRequest(body);
}

export interface ResolveOutput {
  /** The cart was deleted, expired or replaced: the execution stops quietly. */
  cancelled: boolean;
}

/**
 * The Resolving task: looks every id up in the registry (up to 100,000 of them, which no API call
 * could do in time) and writes the cart's file list beside the request. An id that is unknown or in a
 * space the caller may not use ends the cart in `error`, naming the ids (as many as the message holds).
 */
export async function resolveCart(cart: CartTaskInput): Promise<ResolveOutput> {
  if (!(await findCartOfExecution(cart))) return { cancelled: true };
  const bucket = config().bundleBucket;
  const request = await getStored(bucket, requestKeyOf(cart), 'cart request', requestObjectSchema);
  let files;
  try {
    files = await resolveCartFiles(await entriesOf(request), request.caller);
  } catch (error) {
    // The same refusals POST gives a small cart, as the cart's error.
    if (error instanceof DomainError) throw refusal(error.message);
    throw error;
  }
  await putJson(bucket, filesKeyOf(cart), files);
  const summary = {
    spaces: [...new Set(files.map((file) => file.space))].sort(),
    fileCount: files.length,
    bytes: files.reduce((sum, file) => sum + file.size, 0),
  };
  if (!(await recordResolved(cart, summary))) return { cancelled: true };
  logger.info('Cart files resolved', { cartId: cart.cartId, ...summary });
  return { cancelled: false };
}
