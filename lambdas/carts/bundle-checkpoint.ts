import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { z } from 'zod';
import { config } from '../config.ts';
import { parseStored } from '../schemas/problems.ts';
import { cartObjectPath } from './cart-objects.ts';
import type { CartIncarnation } from './cart-record.ts';
import { HASH_TYPES } from './cart-file.ts';
import type { FileProgress } from './bundle-writer.ts';
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
  /** Set when `nextFile` was cut inside: where in it the next invocation goes on. */
  inFile?: FileProgress;
}

export interface SuspendedBundle {
  checkpoint: BundleCheckpoint;
  /** The unfinished part's bytes (less than one part). */
  carry: Buffer;
  /** With `inFile`: the unfinished part's bytes where that file's data began (to start it again). */
  startCarry?: Buffer;
}

/** What loadCheckpoint accepts back: a checkpoint that does not match is never resumed from. */
const checkpointSchema: z.ZodType<BundleCheckpoint> = z.object({
  upload: z.object({
    uploadId: z.string(),
    // S3's CompletedPart: the number and ETag, and the checksums S3 gave, kept as they came.
    parts: z.array(z.looseObject({ PartNumber: z.number(), ETag: z.string() })),
    written: z.number(),
  }),
  partSize: z.number(),
  mtime: z.number(),
  totalBytes: z.number(),
  nextFile: z.number(),
  inFile: z
    .object({
      location: z.string(),
      verifier: z.object({ bytes: z.number(), digests: z.partialRecord(z.enum(HASH_TYPES), z.string()) }),
      start: z.object({ partNumber: z.number(), written: z.number() }),
    })
    .optional(),
});

const checkpointKey = (cart: CartIncarnation) => `checkpoints/${cartObjectPath(cart)}.json`;
const carryKey = (cart: CartIncarnation) => `checkpoints/${cartObjectPath(cart)}.carry`;
const startCarryKey = (cart: CartIncarnation) => `checkpoints/${cartObjectPath(cart)}.start`;

export function checkpointKeysOf(cart: CartIncarnation): string[] {
  return [checkpointKey(cart), carryKey(cart), startCarryKey(cart)];
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
  const checkpoint = parseStored('bundle checkpoint', JSON.parse(json.toString('utf8')), checkpointSchema);
  if (!checkpoint.inFile) return { checkpoint, carry };
  const startCarry = await bytesOrAbsent(startCarryKey(cart));
  if (!startCarry)
    throw new Error(`The bundle checkpoint of cart ${cart.cartId} has lost where its file began`);
  return { checkpoint, carry, startCarry };
}

export async function saveCheckpoint(cart: CartIncarnation, suspended: SuspendedBundle) {
  const bucket = config().bundleBucket;
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: carryKey(cart), Body: suspended.carry }));
  if (suspended.startCarry)
    await s3().send(
      new PutObjectCommand({ Bucket: bucket, Key: startCarryKey(cart), Body: suspended.startCarry }),
    );
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
