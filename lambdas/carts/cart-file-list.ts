import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Principal } from '../auth/principal.ts';
import { config } from '../config.ts';
import { Invalid } from '../errors.ts';
import { excerpt } from '../client-text.ts';
import { presign } from '../storage/presign.ts';
import { headObjectOrAbsent } from '../storage/s3-objects.ts';
import { validCartId } from './cart-id.ts';

/**
 * A cart's file list uploaded to S3 instead of sent in the POST body: for a list whose body would not
 * pass API Gateway and Lambda (100,000 entries with client digests are ~20 MB, 5 MB gzip-compressed,
 * over Lambda's 6 MB request once base64-encoded). The client PUTs the same JSON to a presigned URL,
 * then POSTs `{"fileList": key}`; the workflow reads, validates and resolves it.
 */
export const MAX_FILE_LIST_BYTES = 64 * 1024 * 1024;

const prefixOf = (user: string, cartId: string) => `file-lists/${encodeURIComponent(user)}/${cartId}/`;
const LIST_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$/;

/** POST /carts/{cartId}/file-list: where to PUT the list (the caller's own key, for this cart id). */
export async function fileListUpload(cartId: string, caller: Principal) {
  validCartId(cartId);
  const fileList = `${prefixOf(caller.user, cartId)}${crypto.randomUUID()}.json`;
  const { url, expires } = await presign(
    new PutObjectCommand({ Bucket: config().bundleBucket, Key: fileList }),
  );
  return { fileList, url, expires, maxBytes: MAX_FILE_LIST_BYTES };
}

/**
 * The key named by `{"fileList": key}` in a cart request: only one this caller was handed for this
 * cart id (checked before S3 is asked anything), uploaded, and not larger than the workflow reads.
 */
export async function uploadedFileList(value: unknown, cartId: string, caller: Principal): Promise<string> {
  const prefix = prefixOf(caller.user, cartId);
  if (typeof value !== 'string' || !value.startsWith(prefix) || !LIST_NAME.test(value.slice(prefix.length)))
    throw new Invalid(
      `Invalid value at .fileList: must be a key from POST /carts/${cartId}/file-list, got "${excerpt(String(value))}".`,
    );
  const head = await headObjectOrAbsent(config().bundleBucket, value);
  if (!head) throw new Invalid(`Invalid value at .fileList: nothing was uploaded to ${value}.`);
  if ((head.ContentLength ?? 0) > MAX_FILE_LIST_BYTES)
    throw new Invalid(
      `Invalid value at .fileList: the list is larger than ${MAX_FILE_LIST_BYTES / 1024 / 1024} MB.`,
    );
  return value;
}
