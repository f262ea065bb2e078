import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { cartObjectPath } from './cart-objects.ts';
import type { CartIncarnation } from './cart-record.ts';
import type { UploadProgress } from './multipart-sink.ts';

/**
 * Where a bundle stands when its task stops before the end, to let the next invocation go on: kept
 * in the bundle bucket (a part list of 10,000 entries outgrows a DynamoDB item), beside the bytes of
 * the part being filled. The JSON is written last, so it never names a carry that is not there.
 */
export interface BundleCheckpoint {
  upload: UploadProgress;
  partSize: number;
  /** Member modification time: every invocation must write the same headers. */
  mtime: number;
  totalBytes: number;
  /** The first file the next invocation writes. */
  nextFile: number;
}

export interface SuspendedBundle {
  checkpoint: BundleCheckpoint;
  /** The unfinished part's bytes (less than one part). */
  carry: Buffer;
}

const checkpointKey = (cart: CartIncarnation) => `checkpoints/${cartObjectPath(cart)}.json`;
const carryKey = (cart: CartIncarnation) => `checkpoints/${cartObjectPath(cart)}.carry`;

export function checkpointKeysOf(cart: CartIncarnation): string[] {
  return [checkpointKey(cart), carryKey(cart)];
}

async function bytesOrAbsent(key: string): Promise<Buffer | undefined> {
  try {
    const { Body } = await s3().send(new GetObjectCommand({ Bucket: config().bundleBucket, Key: key }));
    return Buffer.from(await Body!.transformToByteArray());
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

export async function loadCheckpoint(cart: CartIncarnation): Promise<SuspendedBundle | undefined> {
  const json = await bytesOrAbsent(checkpointKey(cart));
  if (!json) return undefined;
  const carry = await bytesOrAbsent(carryKey(cart));
  if (!carry) throw new Error(`The bundle checkpoint of cart ${cart.cartId} has lost its unfinished part`);
  return { checkpoint: JSON.parse(json.toString('utf8')) as BundleCheckpoint, carry };
}

export async function saveCheckpoint(cart: CartIncarnation, suspended: SuspendedBundle) {
  const bucket = config().bundleBucket;
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: carryKey(cart), Body: suspended.carry }));
  await s3().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: checkpointKey(cart),
      Body: JSON.stringify(suspended.checkpoint),
      ContentType: 'application/json',
    }),
  );
}

export async function deleteCheckpoint(cart: CartIncarnation): Promise<void> {
  for (const key of checkpointKeysOf(cart))
    await s3().send(new DeleteObjectCommand({ Bucket: config().bundleBucket, Key: key }));
}
