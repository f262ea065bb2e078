import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { reasonFromCause } from '../workflows/task-errors.ts';
import type { CartTaskInput } from './cart-execution.ts';
import { checkpointKeysOf } from './bundle-checkpoint.ts';
import { bundleKeyOf } from './cart-objects.ts';
import { moveCart } from './cart-repository.ts';

/** Keeps X-Pacifica-Message a reasonable header. */
const MAX_MESSAGE_LENGTH = 1000;

export interface RecordCartErrorInput extends CartTaskInput {
  /** What the Catch recorded: `{Error, Cause}`. */
  error?: { Error?: string; Cause?: string };
}

/**
 * The RecordCartError task: status `error` with the reason, and no bundle or checkpoint left behind
 * (an upload a checkpoint named is left to the bucket's rule for incomplete multipart uploads).
 */
export async function recordCartError({ error, ...cart }: RecordCartErrorInput): Promise<void> {
  // A task timeout carries no Cause, only its Error name.
  const reason = error?.Cause ? reasonFromCause(error.Cause) : (error?.Error ?? 'unknown error');
  const message =
    reason.length > MAX_MESSAGE_LENGTH ? `${reason.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : reason;
  await moveCart(cart, 'error', message);
  for (const key of [bundleKeyOf(cart), ...checkpointKeysOf(cart)])
    await s3().send(new DeleteObjectCommand({ Bucket: config().bundleBucket, Key: key }));
}
